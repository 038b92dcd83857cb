using System.Buffers;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The leading part of an upload that the policy engine inspects, held in a pooled buffer.
/// The buffer goes back to the pool (cleared: it holds plaintext) as soon as the window has
/// been forwarded, or when the request ends, so a large upload holds its window while it is
/// classified and sent, not for the whole stream.
/// </summary>
internal sealed class InspectionWindow : IDisposable
{
    private const int UnknownLengthStart = 64 * 1024;

    private readonly ArrayPool<byte> _pool;
    private readonly int _inspected;
    private readonly byte[]? _lookAhead;
    private readonly IDisposable? _slot;
    private byte[] _buffer;
    private int _released;

    private InspectionWindow(ArrayPool<byte> pool, byte[] buffer, int inspected, byte[]? lookAhead, bool isComplete, IDisposable? slot)
    {
        _pool = pool;
        _buffer = buffer;
        _inspected = inspected;
        _lookAhead = lookAhead;
        IsComplete = isComplete;
        _slot = slot;
    }

    /// <summary>The bytes the policy inspects (at most the window); empty once released.</summary>
    public ReadOnlyMemory<byte> Content => Volatile.Read(ref _released) == 0 ? _buffer.AsMemory(0, _inspected) : ReadOnlyMemory<byte>.Empty;

    /// <summary>True when the body ended within the window (everything was inspected).</summary>
    public bool IsComplete { get; }

    /// <summary>Bytes taken from the body: the window, plus the one byte read beyond it when the length was not declared.</summary>
    public int Length => _inspected + (_lookAhead?.Length ?? 0);

    /// <summary>
    /// Reads up to <paramref name="windowBytes"/> bytes. With a declared length, whether anything
    /// lies beyond the window is known from it; without one (chunked), one byte beyond the window
    /// is read to tell. The buffer is rented for what is declared (or grows with what arrives), so
    /// a small upload never costs a whole window. <paramref name="slot"/> (see
    /// <see cref="InspectionSlots"/>) is released with the buffer, which is rented from <paramref name="pool"/>.
    /// </summary>
    public static async Task<InspectionWindow> ReadAsync(
        Stream body, int windowBytes, long? declaredLength, ArrayPool<byte> pool, IDisposable? slot, CancellationToken cancellationToken)
    {
        byte[] buffer = pool.Rent(
            declaredLength is long declared ? (int)Math.Min(declared, windowBytes) : Math.Min(UnknownLengthStart, windowBytes));
        int length = 0;
        try
        {
            int target = declaredLength is long known ? (int)Math.Min(known, windowBytes) : windowBytes;
            while (length < target)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(pool, buffer, length, Math.Min(buffer.Length * 2, windowBytes));
                }

                int read = await body.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, target) - length), cancellationToken);
                if (read == 0)
                {
                    return new InspectionWindow(pool, buffer, length, null, isComplete: true, slot);
                }

                length += read;
            }

            if (declaredLength is long total)
            {
                return new InspectionWindow(pool, buffer, length, null, isComplete: total <= windowBytes, slot);
            }

            byte[] lookAhead = new byte[1];
            bool more = await body.ReadAsync(lookAhead, cancellationToken) > 0;
            return new InspectionWindow(pool, buffer, length, more ? lookAhead : null, isComplete: !more, slot);
        }
        catch
        {
            Return(pool, buffer, length);
            slot?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The whole body again: the bytes read here, then <paramref name="rest"/>. Once the stream
    /// has yielded the window, the buffer is released.
    /// </summary>
    public Stream Prepend(Stream rest) =>
        new PrefixedStream(_buffer.AsMemory(0, _inspected), _lookAhead, rest, Dispose);

    /// <summary>Returns the buffer to the pool and releases the slot (once; later calls do nothing).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 1)
        {
            return;
        }

        Return(_pool, _buffer, _inspected);
        _buffer = [];
        _slot?.Dispose();
    }

    private static byte[] Grow(ArrayPool<byte> pool, byte[] buffer, int length, int size)
    {
        byte[] larger = pool.Rent(size);
        buffer.AsSpan(0, length).CopyTo(larger);
        Return(pool, buffer, length);
        return larger;
    }

    // The window holds a document's plaintext: never left in a pooled array for its next user.
    private static void Return(ArrayPool<byte> pool, byte[] buffer, int used)
    {
        if (buffer.Length == 0)
        {
            return;
        }

        buffer.AsSpan(0, used).Clear();
        pool.Return(buffer);
    }
}
