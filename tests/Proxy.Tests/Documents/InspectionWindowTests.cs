using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Tests.Documents;

public sealed class InspectionWindowTests
{
    private static readonly System.Buffers.ArrayPool<byte> Pool = System.Buffers.ArrayPool<byte>.Create(4096, 2);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    public async Task ReadAsync_BodyWithinWindow_IsComplete(int size)
    {
        byte[] body = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        using InspectionWindow window = await InspectionWindow.ReadAsync(new TrickleStream(body), 4096, null, Pool, null, default);
        Assert.True(window.IsComplete);
        Assert.Equal(body, window.Content.ToArray());
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(4097)]
    [InlineData(100_000)]
    public async Task ReadAsync_DeclaredLength_DecidesCompletenessWithoutReadingBeyondTheWindow(int size)
    {
        byte[] body = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
        var stream = new TrickleStream(body);
        using InspectionWindow window = await InspectionWindow.ReadAsync(stream, 4096, size, Pool, null, default);
        Assert.Equal(size <= 4096, window.IsComplete);
        Assert.Equal(body[..4096], window.Content.ToArray());
        Assert.Equal(4096, stream.Position);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(10_000L)]
    public async Task ReadAsync_BodyBeyondWindow_IsIncompleteAndPrependGivesBackEveryByte(long? declared)
    {
        byte[] body = Enumerable.Range(0, 10_000).Select(i => (byte)i).ToArray();
        var stream = new TrickleStream(body);
        using InspectionWindow window = await InspectionWindow.ReadAsync(stream, 4096, declared, Pool, null, default);
        Assert.False(window.IsComplete);
        Assert.Equal(4096, window.Content.Length);
        Assert.Equal(declared is null ? 4097 : 4096, window.Length);

        using var rebuilt = new MemoryStream();
        await window.Prepend(stream).CopyToAsync(rebuilt);
        Assert.Equal(body, rebuilt.ToArray());
    }

    [Fact]
    public async Task Prepend_WindowHandedOut_ReleasesBufferAndSlotBeforeTheRest()
    {
        byte[] body = Enumerable.Range(0, 3 * 1024 * 1024).Select(i => (byte)i).ToArray();
        var options = Options.Create(new DocumentProxyOptions { ConcurrentLargeInspections = 1 });
        using var slots = new InspectionSlots(options);
        var stream = new TrickleStream(body);
        IDisposable? slot = await slots.EnterAsync(body.Length, 2 * 1024 * 1024, default);
        Assert.NotNull(slot);
        Assert.Equal(0, slots.Available);

        using InspectionWindow window = await InspectionWindow.ReadAsync(stream, 2 * 1024 * 1024, body.Length, slots.Buffers, slot, default);
        Stream whole = window.Prepend(stream);
        byte[] first = new byte[2 * 1024 * 1024];
        await whole.ReadExactlyAsync(first);
        Assert.Equal(body[..first.Length], first);
        Assert.Equal(1, slots.Available);
        Assert.True(window.Content.IsEmpty);

        byte[] rest = new byte[body.Length - first.Length];
        await whole.ReadExactlyAsync(rest);
        Assert.Equal(body[first.Length..], rest);
        Assert.Equal(0, await whole.ReadAsync(new byte[1]));
    }

    [Fact]
    public async Task EnterAsync_SlotsTaken_WaitsUntilOneIsReleased()
    {
        using var slots = new InspectionSlots(Options.Create(new DocumentProxyOptions { ConcurrentLargeInspections = 1 }));
        IDisposable? first = await slots.EnterAsync(null, 4 * 1024 * 1024, default);
        ValueTask<IDisposable?> second = slots.EnterAsync(InspectionSlots.LargeWindowBytes + 1, 4 * 1024 * 1024, default);
        Assert.False(second.IsCompleted);

        first!.Dispose();
        first.Dispose();
        using IDisposable? granted = await second.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(granted);
        Assert.Equal(0, slots.Available);
    }

    [Theory]
    [InlineData(4096L)]
    [InlineData(InspectionSlots.LargeWindowBytes)]
    public async Task EnterAsync_SmallWindow_NeedsNoSlot(long declared)
    {
        using var slots = new InspectionSlots(Options.Create(new DocumentProxyOptions { ConcurrentLargeInspections = 1 }));
        using IDisposable? taken = await slots.EnterAsync(null, 4 * 1024 * 1024, default);
        Assert.Null(await slots.EnterAsync(declared, 4 * 1024 * 1024, default));
        Assert.Null(await slots.EnterAsync(null, InspectionSlots.LargeWindowBytes, default));
    }

    [Fact]
    public async Task ReadAsync_BodyFails_ReleasesTheSlot()
    {
        using var slots = new InspectionSlots(Options.Create(new DocumentProxyOptions { ConcurrentLargeInspections = 1 }));
        IDisposable? slot = await slots.EnterAsync(null, 4 * 1024 * 1024, default);
        await Assert.ThrowsAsync<IOException>(() => InspectionWindow.ReadAsync(new FailingStream(), 4 * 1024 * 1024, null, slots.Buffers, slot, default));
        Assert.Equal(1, slots.Available);
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

    /// <summary>A client connection that breaks after a few bytes.</summary>
    private sealed class FailingStream() : MemoryStream(new byte[10], writable: false)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Position < 5 ? base.ReadAsync(buffer[..1], cancellationToken) : ValueTask.FromException<int>(new IOException("connection reset"));
    }
}
