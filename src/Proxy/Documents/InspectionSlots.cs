using System.Buffers;
using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Bounds how many uploads hold a large inspection window at once
/// (<see cref="DocumentProxyOptions.ConcurrentLargeInspections"/>, default one per core).
/// Classifying a window costs its bytes and the text extracted from them (the extractor reads
/// the window in place); with a 4 MiB window and 8 concurrent large uploads that is what drove
/// the gateway's memory, while the cores could only classify one window each at a time anyway.
/// An upload beyond the limit waits for a slot before reading its window (holding nothing but
/// its connection's buffers); the slot is released once its window has been forwarded or the
/// request ends. Uploads whose window is at most <see cref="LargeWindowBytes"/> never wait.
/// Window buffers come from <see cref="Buffers"/>, a pool of its own that keeps at most one
/// buffer per slot and size (the shared pool would keep one per thread that returned one).
/// </summary>
internal sealed class InspectionSlots(IOptions<DocumentProxyOptions> options) : IDisposable
{
    /// <summary>Windows up to this size (every small object) are read without a slot.</summary>
    public const int LargeWindowBytes = 256 * 1024;

    private readonly SemaphoreSlim _slots = new(options.Value.ConcurrentLargeInspections, options.Value.ConcurrentLargeInspections);

    /// <summary>Where inspection windows are rented from.</summary>
    public ArrayPool<byte> Buffers { get; } = ArrayPool<byte>.Create(
        Math.Max(options.Value.InspectionWindowBytes, 16), options.Value.ConcurrentLargeInspections);

    /// <summary>Slots free now (for tests and diagnostics).</summary>
    public int Available => _slots.CurrentCount;

    /// <summary>
    /// A slot for an upload of <paramref name="declaredLength"/> bytes (null: chunked, so possibly
    /// large) with a window of <paramref name="windowBytes"/>; null when its window is small.
    /// </summary>
    public async ValueTask<IDisposable?> EnterAsync(long? declaredLength, int windowBytes, CancellationToken cancellationToken)
    {
        if (Math.Min(declaredLength ?? long.MaxValue, windowBytes) <= LargeWindowBytes)
        {
            return null;
        }

        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
