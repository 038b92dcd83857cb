namespace Sovereignty.Proxy.Documents;

/// <summary>
/// A read-only stream that yields an in-memory prefix (the inspected window of an upload)
/// and then the rest of the original body, so inspection costs no second read of the client.
/// </summary>
internal sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;
    private long _position;

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

        int read;
        if (!_prefix.IsEmpty)
        {
            read = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..read].CopyTo(buffer);
            _prefix = _prefix[read..];
        }
        else
        {
            read = rest.Read(buffer);
        }

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
            return _prefix.IsEmpty ? await rest.ReadAsync(buffer, cancellationToken) : 0;
        }

        int read;
        if (!_prefix.IsEmpty)
        {
            read = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..read].CopyTo(buffer.Span);
            _prefix = _prefix[read..];
        }
        else
        {
            read = await rest.ReadAsync(buffer, cancellationToken);
        }

        _position += read;
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
