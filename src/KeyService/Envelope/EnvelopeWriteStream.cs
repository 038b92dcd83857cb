using System.Buffers;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Encryption by push: a write-only stream that takes plaintext and writes the envelope to
/// an output stream. The last segment is written only by <see cref="CompleteAsync"/>:
/// disposing without completing leaves an envelope that every reader refuses as
/// truncated, so a producer that fails half-way never yields a valid-looking short document.
/// </summary>
/// <remarks>
/// A full segment is encrypted only once more data arrives (until then it may be the last
/// one). Holds one plaintext and one ciphertext segment from <see cref="ArrayPool{T}"/>.
/// </remarks>
public sealed class EnvelopeWriteStream : EnvelopeStream
{
    private readonly Stream _destination;
    private readonly SegmentCipher _cipher;
    private readonly ReadOnlyMemory<byte> _header;
    private byte[]? _plain;
    private byte[]? _output;
    private int _buffered;
    private long _segment;
    private bool _headerWritten;
    private bool _completed;

    internal EnvelopeWriteStream(Stream destination, EnvelopeHeader header, SegmentCipher cipher, bool leaveOpen)
        : base(destination, leaveOpen)
    {
        _destination = destination;
        _cipher = cipher;
        _header = header.Bytes;
        _plain = ArrayPool<byte>.Shared.Rent(EnvelopeLayout.SegmentSize);
        _output = ArrayPool<byte>.Shared.Rent(EnvelopeLayout.CiphertextSegmentSize);
    }

    public override bool CanRead => false;

    public override bool CanWrite => !_completed && _plain is not null;

    private byte[] Plain => _plain ?? throw new ObjectDisposedException(nameof(EnvelopeWriteStream));

    private byte[] Output => _output ?? throw new ObjectDisposedException(nameof(EnvelopeWriteStream));

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        CheckWritable();
        while (!buffer.IsEmpty)
        {
            if (_buffered == EnvelopeLayout.SegmentSize)
            {
                // More data follows, so the buffered segment is not the last.
                int length = EncryptBuffered(last: false);
                WriteHeaderOnce();
                _destination.Write(Output, 0, length);
            }

            int n = Math.Min(buffer.Length, EnvelopeLayout.SegmentSize - _buffered);
            buffer[..n].CopyTo(Plain.AsSpan(_buffered));
            _buffered += n;
            buffer = buffer[n..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        CheckWritable();
        while (!buffer.IsEmpty)
        {
            if (_buffered == EnvelopeLayout.SegmentSize)
            {
                int length = EncryptBuffered(last: false);
                await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
                await _destination.WriteAsync(Output.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }

            int n = Math.Min(buffer.Length, EnvelopeLayout.SegmentSize - _buffered);
            buffer.Span[..n].CopyTo(Plain.AsSpan(_buffered));
            _buffered += n;
            buffer = buffer[n..];
        }
    }

    /// <summary>Encrypts and writes the last segment and flushes the destination: the envelope is complete.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        CheckWritable();
        int length = EncryptBuffered(last: true);
        await WriteHeaderOnceAsync(cancellationToken).ConfigureAwait(false);
        await _destination.WriteAsync(Output.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        await _destination.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public override void Flush()
    {
        // Nothing buffered can be written before it is known whether it is the last segment.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_plain is null, this);
        if (_completed)
        {
            throw new InvalidOperationException("The envelope is already complete.");
        }
    }

    private int EncryptBuffered(bool last)
    {
        _cipher.Encrypt(_segment, last, Plain.AsSpan(0, _buffered), Output);
        int length = _buffered + EnvelopeLayout.TagSize;
        _segment++;
        _buffered = 0;
        return length;
    }

    private void WriteHeaderOnce()
    {
        if (!_headerWritten)
        {
            _destination.Write(_header.Span);
            _headerWritten = true;
        }
    }

    private async ValueTask WriteHeaderOnceAsync(CancellationToken cancellationToken)
    {
        if (!_headerWritten)
        {
            await _destination.WriteAsync(_header, cancellationToken).ConfigureAwait(false);
            _headerWritten = true;
        }
    }

    private protected override void Release()
    {
        _cipher.Dispose();
        if (_plain is not null)
        {
            ArrayPool<byte>.Shared.Return(_plain, clearArray: true);
            _plain = null;
        }

        if (_output is not null)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = null;
        }
    }
}
