using System.Buffers;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Bytes held in an array rented from the shared pool, for content needed only while it is
/// extracted (a zip member, an XML part of an Office file). Dispose returns the array; nothing
/// may keep a reference to it past that (extracted text is always a copy).
/// </summary>
internal sealed class PooledBytes : IDisposable
{
    private byte[] _array;
    private bool _disposed;

    public PooledBytes(int capacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 4096));
    }

    /// <summary>How many bytes were written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written, over the rented array.</summary>
    public ArraySegment<byte> Segment => new(_array, 0, Length);

    /// <summary>Appends <paramref name="data"/>, moving to a larger rented array when needed.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Length > _array.Length - Length)
        {
            var needed = (long)Length + data.Length;
            var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max(needed, (long)_array.Length * 2), Array.MaxLength));
            _array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_array);
            _array = larger;
        }

        data.CopyTo(_array.AsSpan(Length));
        Length += data.Length;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
    }
}
