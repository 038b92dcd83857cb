using System.Buffers;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Decryption by pull: a read-only stream over envelope segments that yields plaintext,
/// one authenticated segment at a time. Also serves byte ranges (start inside a segment,
/// stop after a byte count) for random access.
/// </summary>
/// <remarks>
/// Each segment is read whole, decrypted into a private buffer and authenticated before
/// any of its bytes is handed out, so the plaintext of a segment that fails authentication
/// is never released. When the plaintext length is unknown (a plain stream), one byte of
/// look-ahead tells whether a segment is the last; when it is known (a range over a
/// source of known length), exactly the bytes of each segment are read. Buffers (one
/// segment) come from <see cref="ArrayPool{T}"/>, decrypted in place, and cleared on return.
/// </remarks>
internal sealed class EnvelopeDecryptingStream : EnvelopeStream
{
    private readonly Stream _source;
    private readonly SegmentCipher _cipher;
    private readonly long _segmentCount;
    private readonly long _plaintextLength;
    private byte[]? _input;
    private byte _carry;
    private int _carried;
    private int _plainPosition;
    private int _plainLength;
    private long _segment;
    private long _skip;
    private long _remaining;
    private bool _finished;

    /// <param name="source">Ciphertext positioned at the start of segment <paramref name="firstSegment"/>.</param>
    /// <param name="cipher">The segment cipher (owned: disposed with the stream).</param>
    /// <param name="firstSegment">Index of the first segment <paramref name="source"/> yields.</param>
    /// <param name="plaintextLength">Total plaintext length when known (ranges), or -1 to detect the last segment by end of stream.</param>
    /// <param name="skip">Plaintext bytes to drop from the first segment.</param>
    /// <param name="count">Plaintext bytes to yield at most.</param>
    /// <param name="leaveOpen">Whether disposing leaves <paramref name="source"/> open.</param>
    public EnvelopeDecryptingStream(Stream source, SegmentCipher cipher, long firstSegment, long plaintextLength, long skip, long count, bool leaveOpen)
        : base(source, leaveOpen)
    {
        _source = source;
        _cipher = cipher;
        _segment = firstSegment;
        _plaintextLength = plaintextLength;
        _segmentCount = plaintextLength < 0 ? -1 : EnvelopeLayout.SegmentCount(plaintextLength);
        _skip = skip;
        _remaining = count;
        _finished = count == 0;
        _input = ArrayPool<byte>.Shared.Rent(EnvelopeLayout.CiphertextSegmentSize + 1);
    }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    private bool KnownLength => _segmentCount >= 0;

    private byte[] Input => _input ?? throw new ObjectDisposedException(nameof(EnvelopeDecryptingStream));

    /// <summary>The segment buffer holds the ciphertext, then (decrypted in place) the plaintext being handed out.</summary>
    private byte[] Plain => Input;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainPosition == _plainLength && !_finished)
        {
            int want = SegmentReadLength();
            int filled = BeginSegment();
            int read;
            while (filled < want && (read = _source.Read(Input, filled, want - filled)) > 0)
            {
                filled += read;
            }

            DecryptSegment(filled, want);
        }

        return CopyOut(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainPosition == _plainLength && !_finished)
        {
            await NextSegmentAsync(cancellationToken).ConfigureAwait(false);
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>Push mode: writes all remaining plaintext to <paramref name="destination"/>, segment by segment.</summary>
    public async Task WriteAllToAsync(Stream destination, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_plainPosition < _plainLength)
            {
                await destination.WriteAsync(Plain.AsMemory(_plainPosition, _plainLength - _plainPosition), cancellationToken).ConfigureAwait(false);
                _plainPosition = _plainLength;
            }

            if (_finished)
            {
                return;
            }

            await NextSegmentAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async ValueTask NextSegmentAsync(CancellationToken cancellationToken)
    {
        int want = SegmentReadLength();
        int filled = BeginSegment();
        int read;
        while (filled < want && (read = await _source.ReadAsync(Input.AsMemory(filled, want - filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        DecryptSegment(filled, want);
    }

    /// <summary>Puts the look-ahead byte of the previous read (if any) at the start of the buffer; returns the bytes already there.</summary>
    private int BeginSegment()
    {
        if (_carried == 1)
        {
            Input[0] = _carry;
        }

        return _carried;
    }

    /// <summary>Bytes to read for the next segment: exact when the length is known, else a full segment + 1 look-ahead byte.</summary>
    private int SegmentReadLength() => KnownLength
        ? EnvelopeLayout.SegmentPlaintextLength(_segment, _plaintextLength) + EnvelopeLayout.TagSize
        : EnvelopeLayout.CiphertextSegmentSize + 1;

    private void DecryptSegment(int filled, int want)
    {
        bool last;
        int length;
        if (KnownLength)
        {
            if (filled < want)
            {
                throw EnvelopeErrors.Truncated(_segment, want, filled);
            }

            last = _segment == _segmentCount - 1;
            length = want;
        }
        else
        {
            if (filled == 0)
            {
                throw EnvelopeErrors.NoSegments();
            }

            last = filled <= EnvelopeLayout.CiphertextSegmentSize;
            length = last ? filled : EnvelopeLayout.CiphertextSegmentSize;
        }

        byte[] input = Input;
        _carry = input[EnvelopeLayout.CiphertextSegmentSize];
        // In place: the plaintext overwrites the ciphertext it came from (one buffer less in cache).
        if (!_cipher.TryDecrypt(_segment, last, input.AsSpan(0, length), input))
        {
            _finished = true;
            _plainPosition = _plainLength = 0;
            throw EnvelopeErrors.SegmentAuthentication(_segment, last);
        }

        if (!KnownLength && !last)
        {
            _carried = 1;
        }

        int plainLength = length - EnvelopeLayout.TagSize;
        _plainPosition = (int)Math.Min(_skip, plainLength);
        _plainLength = (int)Math.Min(plainLength, _plainPosition + _remaining);
        _remaining -= _plainLength - _plainPosition;
        _skip = 0;
        _segment++;
        _finished = last || _remaining == 0;
    }

    private int CopyOut(Span<byte> buffer)
    {
        int count = Math.Min(buffer.Length, _plainLength - _plainPosition);
        Plain.AsSpan(_plainPosition, count).CopyTo(buffer);
        _plainPosition += count;
        return count;
    }

    private protected override void Release()
    {
        _cipher.Dispose();
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input, clearArray: true);
            _input = null;
        }
    }
}
