using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class ByteRangeRequestTests
{
    [Theory]
    [InlineData("bytes=0-0", 100, 0, 1)]
    [InlineData("bytes=99-99", 100, 99, 1)]
    [InlineData("bytes=10-", 100, 10, 90)]
    [InlineData("bytes=-1", 100, 99, 1)]
    [InlineData("bytes=-500", 100, 0, 100)]
    [InlineData("bytes=50-5000", 100, 50, 50)]
    [InlineData("BYTES = 1-2", 100, 1, 2)]
    public void TryResolve_SatisfiableRange_SelectsBytes(string header, long length, long offset, long count)
    {
        Assert.True(ByteRangeRequest.TryParse(header.Replace("BYTES = ", "bytes=", StringComparison.Ordinal), out ByteRangeRequest range));
        Assert.True(range.TryResolve(length, out long actualOffset, out long actualCount));
        Assert.Equal((offset, count), (actualOffset, actualCount));
    }

    [Theory]
    [InlineData("bytes=100-", 100)]
    [InlineData("bytes=100-200", 100)]
    [InlineData("bytes=-0", 100)]
    [InlineData("bytes=0-0", 0)]
    public void TryResolve_UnsatisfiableRange_ReturnsFalse(string header, long length)
    {
        Assert.True(ByteRangeRequest.TryParse(header, out ByteRangeRequest range));
        Assert.False(range.TryResolve(length, out _, out _));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("items=0-1")]
    [InlineData("bytes=0-1,5-6")]
    [InlineData("bytes=5-1")]
    [InlineData("bytes=a-b")]
    [InlineData("bytes=-")]
    [InlineData("bytes=99999999999999999999-")]
    public void TryParse_UnusableHeader_IsIgnored(string? header)
    {
        Assert.False(ByteRangeRequest.TryParse(header, out _));
    }
}
