using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class InspectionWindowTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    public async Task ReadAsync_BodyWithinWindow_IsComplete(int size)
    {
        byte[] body = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        var (buffer, length, complete) = await InspectionWindow.ReadAsync(new TrickleStream(body), 4096, null, default);
        Assert.True(complete);
        Assert.Equal(body, buffer[..length]);
    }

    [Fact]
    public async Task ReadAsync_BodyBeyondWindow_IsIncompleteAndKeepsEveryByteRead()
    {
        byte[] body = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
        var stream = new TrickleStream(body);
        var (buffer, length, complete) = await InspectionWindow.ReadAsync(stream, 4096, body.Length, default);
        Assert.False(complete);
        Assert.Equal(4097, length);

        // Prefix + rest gives back the whole body, byte for byte.
        using var rebuilt = new MemoryStream();
        await new PrefixedStream(buffer.AsMemory(0, length), stream).CopyToAsync(rebuilt);
        Assert.Equal(body, rebuilt.ToArray());
    }

    [Fact]
    public async Task PrefixedStream_ZeroByteRead_IsNotEndOfStream()
    {
        var stream = new PrefixedStream(new byte[] { 1, 2 }, new MemoryStream([3]));
        Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty));
        byte[] all = new byte[3];
        await stream.ReadExactlyAsync(all);
        Assert.Equal(new byte[] { 1, 2, 3 }, all);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
    }

    /// <summary>Returns at most 7 bytes per read, like a slow network.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, 7));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 7)], cancellationToken);
    }
}
