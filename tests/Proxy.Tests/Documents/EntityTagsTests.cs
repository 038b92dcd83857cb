using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class EntityTagsTests
{
    [Fact]
    public void ForPlaintext_StrongTag_StaysStrongAndDistinct()
    {
        Assert.Equal("\"sv1-6b0b291e-5\"", EntityTags.ForPlaintext("\"6b0b291e-5\""));
    }

    [Fact]
    public void ForPlaintext_WeakTag_StaysWeak()
    {
        Assert.Equal("W/\"sv1-abc\"", EntityTags.ForPlaintext("W/\"abc\""));
    }

    [Fact]
    public void ForPlaintext_DifferentVersions_GiveDifferentTags()
    {
        Assert.NotEqual(EntityTags.ForPlaintext("\"a-1\""), EntityTags.ForPlaintext("\"a-2\""));
        Assert.Null(EntityTags.ForPlaintext(null));
    }

    [Theory]
    [InlineData("\"sv1-x\"", "\"sv1-x\"", false, true)]
    [InlineData("W/\"sv1-x\"", "\"sv1-x\"", true, true)]
    [InlineData("W/\"sv1-x\"", "\"sv1-x\"", false, false)]
    [InlineData("\"other\", \"sv1-x\"", "\"sv1-x\"", false, true)]
    [InlineData("*", "\"sv1-x\"", false, true)]
    [InlineData("\"sv1-y\"", "\"sv1-x\"", true, false)]
    public void Matches_ComparesAsRfc9110Says(string header, string etag, bool weak, bool expected)
    {
        Assert.Equal(expected, EntityTags.Matches(header, etag, weak));
    }
}
