using System.Buffers;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Bytes held in an array rented from the shared pool, for content needed only while it is
/// extracted (a zip member, an XML part of an Office file). Dispose returns the array; nothing
/// may keep a reference to it past that (extracted text is always a copy).
/// </summary>
/// <remarks>
/// Pooled arrays come in powers of two: above <see cref="MaxPooledLength"/> a plain array is
/// used instead, so a large member costs at most its size again, not up to twice it, and the
/// pool does not keep such arrays alive between extractions.
/// </remarks>
internal sealed class PooledBytes : IDisposable
{
    /// <summary>The largest array taken from the pool (16 MiB).</summary>
    public const int MaxPooledLength = 16 << 20;

    private byte[] _array;
    private bool _disposed;

    public PooledBytes(int capacity)
    {
        _array = Take(Math.Max(capacity, 4096));
    }

    /// <summary>How many bytes were written.</summary>
    public int Length { get; private set; }

    /// <summary>The bytes written, over the rented array.</summary>
    public ArraySegment<byte> Segment => new(_array, 0, Length);

    /// <summary>Appends <paramref name="data"/>, moving to a larger array when needed.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (data.Length > _array.Length - Length)
        {
            var needed = (long)Length + data.Length;
            var larger = Take((int)Math.Min(Math.Max(needed, (long)_array.Length * 2), Array.MaxLength));
            _array.AsSpan(0, Length).CopyTo(larger);
            Give(_array);
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
            Give(_array);
            _array = [];
        }
    }

    /// <summary>An array of at least <paramref name="length"/> bytes: pooled up to <see cref="MaxPooledLength"/>.</summary>
    internal static byte[] Take(int length) =>
        length <= MaxPooledLength ? ArrayPool<byte>.Shared.Rent(length) : GC.AllocateUninitializedArray<byte>(length);

    /// <summary>Gives back an array from <see cref="Take"/> (a plain one is left to the collector).</summary>
    internal static void Give(byte[] array)
    {
        if (array.Length <= MaxPooledLength)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }
}
