using System.Buffers;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// The decoded message of one DATA phase, in one array rented from the shared pool.
/// Bounded by the size limit (the decoder stops appending past it).
/// </summary>
internal sealed class MessageBuffer : IDisposable
{
    private byte[] _array;
    private int _length;

    public MessageBuffer(int initialCapacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 4096));
    }

    public int Length => _length;

    public ReadOnlySequence<byte> Sequence => new(_array, 0, _length);

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length > _array.Length)
        {
            Grow(_length + bytes.Length);
        }

        bytes.CopyTo(_array.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Clear()
    {
        _length = 0;
    }

    public void Dispose()
    {
        if (_array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = [];
        }
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)needed, (long)_array.Length * 2), Array.MaxLength));
        _array.AsSpan(0, _length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_array);
        _array = next;
    }
}
