namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// What the envelope's streams share: each wraps one stream (the ciphertext or plaintext it
/// reads, or the destination it writes), none can seek, and disposal first wipes and returns
/// the pooled buffers and the segment key (<see cref="Release"/>), then closes the wrapped
/// stream unless the caller asked to leave it open.
/// </summary>
public abstract class EnvelopeStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;

    private protected EnvelopeStream(Stream inner, bool leaveOpen)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
    }

    public sealed override bool CanSeek => false;

    public sealed override long Length => throw new NotSupportedException();

    public sealed override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Wipes and returns buffers and disposes the segment cipher; safe to call more than once.</summary>
    private protected abstract void Release();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Release();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        Release();
        if (!_leaveOpen)
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
