using Microsoft.AspNetCore.Http;
using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>RFC 9110 §13.2.2 for uploads, as the gateway evaluates it before storing.</summary>
public sealed class UploadPreconditionsTests
{
    private const string Current = "\"sv1-abc-1\"";
    private static readonly DateTimeOffset Modified = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IsConditional_PlainUpload_IsFalse_SoNoStoreIsAsked()
    {
        Assert.False(UploadPreconditions.IsConditional(Headers()));
        Assert.False(UploadPreconditions.IsConditional(Headers(("If-Modified-Since", "Sat, 01 Mar 2025 12:00:00 GMT"))));
        Assert.True(UploadPreconditions.IsConditional(Headers(("If-None-Match", "*"))));
    }

    // The outcome type is internal, so the test data names it.
    [Theory]
    [InlineData("*", true, nameof(UploadPreconditionOutcome.Proceed))]
    [InlineData("*", false, nameof(UploadPreconditionOutcome.Missing))]
    [InlineData(Current, true, nameof(UploadPreconditionOutcome.Proceed))]
    [InlineData("\"sv1-old\", " + Current, true, nameof(UploadPreconditionOutcome.Proceed))]
    [InlineData("\"sv1-old\"", true, nameof(UploadPreconditionOutcome.Changed))]
    [InlineData("W/" + Current, true, nameof(UploadPreconditionOutcome.Changed))] // If-Match compares strongly
    [InlineData(Current, false, nameof(UploadPreconditionOutcome.Missing))]
    public void IfMatch(string header, bool exists, string expected)
    {
        Assert.Equal(Enum.Parse<UploadPreconditionOutcome>(expected), UploadPreconditions.Evaluate(Headers(("If-Match", header)), exists, Current, Modified));
    }

    [Theory]
    [InlineData("*", true, nameof(UploadPreconditionOutcome.Exists))]
    [InlineData("*", false, nameof(UploadPreconditionOutcome.Proceed))]
    [InlineData("W/" + Current, true, nameof(UploadPreconditionOutcome.Exists))] // If-None-Match compares weakly
    [InlineData("\"sv1-old\"", true, nameof(UploadPreconditionOutcome.Proceed))]
    public void IfNoneMatch(string header, bool exists, string expected)
    {
        Assert.Equal(Enum.Parse<UploadPreconditionOutcome>(expected), UploadPreconditions.Evaluate(Headers(("If-None-Match", header)), exists, Current, Modified));
    }

    [Theory]
    [InlineData("Sat, 01 Mar 2025 11:59:59 GMT", nameof(UploadPreconditionOutcome.Changed))]
    [InlineData("Sat, 01 Mar 2025 12:00:00 GMT", nameof(UploadPreconditionOutcome.Proceed))]
    [InlineData("not a date", nameof(UploadPreconditionOutcome.Proceed))] // ignored (§13.1.4)
    public void IfUnmodifiedSince(string header, string expected)
    {
        Assert.Equal(Enum.Parse<UploadPreconditionOutcome>(expected), UploadPreconditions.Evaluate(Headers(("If-Unmodified-Since", header)), exists: true, Current, Modified));
    }

    [Fact]
    public void IfUnmodifiedSince_IgnoredWhenIfMatchIsSent()
    {
        IHeaderDictionary headers = Headers(("If-Match", Current), ("If-Unmodified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"));

        Assert.Equal(UploadPreconditionOutcome.Proceed, UploadPreconditions.Evaluate(headers, exists: true, Current, Modified));
    }

    private static HeaderDictionary Headers(params (string Name, string Value)[] fields)
    {
        var headers = new HeaderDictionary();
        foreach ((string name, string value) in fields)
        {
            headers[name] = value;
        }

        return headers;
    }
}
