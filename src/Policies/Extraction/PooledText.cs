using System.Buffers;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// A text builder over a character array rented from the shared pool: the text of a large
/// part is built in memory already in use and copied once, into its string, instead of into
/// fresh builder chunks first. Dispose returns the array.
/// </summary>
internal sealed class PooledText : IDisposable
{
    private char[] _chars;
    private bool _disposed;

    public PooledText(int capacity)
    {
        _chars = ArrayPool<char>.Shared.Rent(Math.Max(capacity, 1024));
    }

    /// <summary>How many characters were appended.</summary>
    public int Length { get; private set; }

    public void Append(char c)
    {
        if (Length == _chars.Length)
        {
            Grow(1);
        }

        _chars[Length++] = c;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (text.Length > _chars.Length - Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_chars.AsSpan(Length));
        Length += text.Length;
    }

    public override string ToString() => new(_chars, 0, Length);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            ArrayPool<char>.Shared.Return(_chars);
            _chars = [];
        }
    }

    private void Grow(int more)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var larger = ArrayPool<char>.Shared.Rent((int)Math.Min(Math.Max((long)Length + more, (long)_chars.Length * 2), Array.MaxLength));
        _chars.AsSpan(0, Length).CopyTo(larger);
        ArrayPool<char>.Shared.Return(_chars);
        _chars = larger;
    }
}
