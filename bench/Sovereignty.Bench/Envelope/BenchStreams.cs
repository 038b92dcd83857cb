namespace Sovereignty.Bench.Envelope;

/// <summary>A read-only stream of <c>length</c> pseudo-random bytes, repeating a 1 MiB pattern (no disk, no allocation per read).</summary>
internal sealed class PatternStream(long length) : Stream
{
    private static readonly byte[] Pattern = CreatePattern();
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, length - _position);
        int done = 0;
        while (done < n)
        {
            int at = (int)((_position + done) % Pattern.Length);
            int chunk = Math.Min(n - done, Pattern.Length - at);
            Pattern.AsSpan(at, chunk).CopyTo(buffer[done..]);
            done += chunk;
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] CreatePattern()
    {
        var bytes = new byte[1 << 20];
        new Random(1).NextBytes(bytes);
        return bytes;
    }
}
