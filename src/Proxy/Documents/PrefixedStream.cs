namespace Sovereignty.Proxy.Documents;

/// <summary>
/// A read-only stream that yields in-memory prefixes (the inspected window of an upload and
/// the byte read beyond it) and then the rest of the original body, so inspection costs no
/// second read of the client. <c>consumed</c> runs once, right after the last prefix byte was
/// handed out, so the window's buffer can be released while the rest still streams.
/// </summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, ReadOnlyMemory<byte> next, Stream rest, Action? consumed) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;
    private ReadOnlyMemory<byte> _next = next;
    private Action? _consumed = consumed;
    private long _position;

    public PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest)
        : this(prefix, ReadOnlyMemory<byte>.Empty, rest, null)
    {
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int read = HasPrefix() ? CopyPrefix(buffer) : rest.Read(buffer);
        _position += read;
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Zero-byte reads (YARP issues them to wait for data) are passed on, never taken as the end.
        if (buffer.IsEmpty)
        {
            return HasPrefix() ? 0 : await rest.ReadAsync(buffer, cancellationToken);
        }

        int read = HasPrefix() ? CopyPrefix(buffer.Span) : await rest.ReadAsync(buffer, cancellationToken);
        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool HasPrefix()
    {
        if (_prefix.IsEmpty && !_next.IsEmpty)
        {
            (_prefix, _next) = (_next, ReadOnlyMemory<byte>.Empty);
        }

        if (_prefix.IsEmpty && _consumed is { } release)
        {
            _consumed = null;
            release();
        }

        return !_prefix.IsEmpty;
    }

    private int CopyPrefix(Span<byte> buffer)
    {
        int read = Math.Min(buffer.Length, _prefix.Length);
        _prefix.Span[..read].CopyTo(buffer);
        _prefix = _prefix[read..];
        if (_prefix.IsEmpty && _next.IsEmpty && _consumed is { } release)
        {
            // Handed out entirely: the buffer behind the prefix is no longer needed.
            _consumed = null;
            release();
        }

        return read;
    }
}
