using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class EntityTagsTests
{
    [Fact]
    public void ForPlaintext_StrongTag_StaysStrongAndDistinct()
    {
        Assert.Equal("\"sv1-6b0b291e-5-0badc0de\"", EntityTags.ForPlaintext("\"6b0b291e-5\"", "0badc0de"));
    }

    [Fact]
    public void ForPlaintext_WeakTag_StaysWeak()
    {
        Assert.Equal("W/\"sv1-abc-0badc0de\"", EntityTags.ForPlaintext("W/\"abc\"", "0badc0de"));
    }

    [Fact]
    public void ForPlaintext_DifferentVersions_GiveDifferentTags()
    {
        Assert.NotEqual(EntityTags.ForPlaintext("\"a-1\"", "0badc0de"), EntityTags.ForPlaintext("\"a-2\"", "0badc0de"));
        Assert.Null(EntityTags.ForPlaintext(null, "0badc0de"));
    }

    [Fact]
    public void ForPlaintext_SameStoreTagOtherEnvelopeHeader_GivesDifferentTags()
    {
        // nginx: same size, same second → same store ETag for two versions; the headers differ.
        Assert.NotEqual(EntityTags.ForPlaintext("\"6b0b291e-5\"", "0badc0de"), EntityTags.ForPlaintext("\"6b0b291e-5\"", "5ca1ab1e"));
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
