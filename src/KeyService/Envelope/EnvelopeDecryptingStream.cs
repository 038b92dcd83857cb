using System.Buffers;
using System.Security.Cryptography;

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
/// source of known length), exactly the bytes of the segments the range needs are read.
/// <para>
/// Pull mode (<see cref="Stream.Read(byte[], int, int)"/>) works one segment at a time in one
/// buffer, decrypted in place. Push mode (<see cref="WriteAllToAsync"/>, what the document
/// proxy uses) works in batches of up to <see cref="SegmentsPerBatch"/> segments and overlaps:
/// while one batch of authenticated plaintext is being written to the destination, the next
/// batch is read and decrypted into a second plaintext buffer. A batch is written only once
/// every segment in it authenticated, so at most one batch (verified plaintext) is in flight
/// when a later segment fails. Per stream that is one ciphertext buffer and two plaintext
/// buffers of one batch each (~0.75 MiB at most), from <see cref="ArrayPool{T}"/>; plaintext
/// buffers are cleared on return.
/// </para>
/// </remarks>
internal sealed class EnvelopeDecryptingStream : EnvelopeStream
{
    /// <summary>
    /// Segments per read, decrypt and write in push mode (256 KiB of plaintext): fewer, larger
    /// I/O calls than one segment each, still a small bounded amount of memory per stream.
    /// </summary>
    internal const int SegmentsPerBatch = 4;

    private readonly Stream _source;
    private readonly SegmentCipher _cipher;
    private readonly long _segmentCount;
    private readonly long _plaintextLength;
    private readonly long _lastSegment;
    private byte[]? _input;
    private byte _carry;
    private int _carried;
    private int _plainPosition;
    private int _plainLength;
    private long _segment;
    private long _skip;
    private long _remaining;
    private bool _finished;
    private bool _disposed;

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
        // With a known length, only the segments up to the range's last byte are read.
        _lastSegment = _segmentCount < 0 || count == 0
            ? long.MaxValue
            : Math.Min(_segmentCount - 1, firstSegment + ((skip + Math.Min(count, plaintextLength) - 1) / EnvelopeLayout.SegmentSize));
        _skip = skip;
        _remaining = count;
        _finished = count == 0;
    }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    private bool KnownLength => _segmentCount >= 0;

    /// <summary>Pull mode's segment buffer: the ciphertext, then (decrypted in place) the plaintext being handed out.</summary>
    private byte[] Input
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _input ??= ArrayPool<byte>.Shared.Rent(EnvelopeLayout.CiphertextSegmentSize + 1);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        while (_plainPosition == _plainLength && !_finished)
        {
            byte[] input = Input;
            int want = BatchReadLength(1, out int segments);
            int filled = BeginBatch(input);
            int read;
            while (filled < want && (read = _source.Read(input, filled, want - filled)) > 0)
            {
                filled += read;
            }

            (_plainPosition, _plainLength) = DecryptBatch(input, filled, want, segments, input);
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
            byte[] input = Input;
            int want = BatchReadLength(1, out int segments);
            int filled = await FillAsync(input, want, cancellationToken).ConfigureAwait(false);
            (_plainPosition, _plainLength) = DecryptBatch(input, filled, want, segments, input);
        }

        return CopyOut(buffer.Span);
    }

    /// <summary>
    /// Push mode: writes all remaining plaintext to <paramref name="destination"/> in batches of
    /// authenticated segments, reading and decrypting the next batch while the previous one is
    /// being written.
    /// </summary>
    public async Task WriteAllToAsync(Stream destination, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_plainPosition < _plainLength)
        {
            // Plaintext left over from pull-mode reads.
            await destination.WriteAsync(Input.AsMemory(_plainPosition, _plainLength - _plainPosition), cancellationToken).ConfigureAwait(false);
            _plainPosition = _plainLength;
        }

        if (_finished)
        {
            return;
        }

        int batch = KnownLength ? (int)Math.Min(SegmentsPerBatch, _lastSegment - _segment + 1) : SegmentsPerBatch;
        byte[] input = ArrayPool<byte>.Shared.Rent((batch * EnvelopeLayout.CiphertextSegmentSize) + 1);
        byte[][] plain = [ArrayPool<byte>.Shared.Rent(batch * EnvelopeLayout.SegmentSize), ArrayPool<byte>.Shared.Rent(batch * EnvelopeLayout.SegmentSize)];
        ValueTask writing = ValueTask.CompletedTask;
        try
        {
            for (int next = 0; !_finished; next ^= 1)
            {
                int want = BatchReadLength(batch, out int segments);
                int filled = await FillAsync(input, want, cancellationToken).ConfigureAwait(false);
                (int start, int end) = DecryptBatch(input, filled, want, segments, plain[next]);
                // The other plaintext buffer is free once its write completed.
                await TakeWrite(ref writing).ConfigureAwait(false);
                writing = destination.WriteAsync(plain[next].AsMemory(start, end - start), cancellationToken);
            }

            await TakeWrite(ref writing).ConfigureAwait(false);
        }
        finally
        {
            // A failure while a write is in flight (a later segment failed, the upstream broke):
            // that write still uses its buffer, so it must end before the buffer is reused.
            await CompleteQuietlyAsync(writing).ConfigureAwait(false);
            // The ciphertext buffer never holds plaintext: it is not cleared.
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(plain[0], clearArray: true);
            ArrayPool<byte>.Shared.Return(plain[1], clearArray: true);
        }
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Hands out the write in flight for one await (a <see cref="ValueTask"/> may be awaited once) and leaves none.</summary>
    private static ValueTask TakeWrite(ref ValueTask writing)
    {
        ValueTask taken = writing;
        writing = ValueTask.CompletedTask;
        return taken;
    }

    private static async ValueTask CompleteQuietlyAsync(ValueTask writing)
    {
        try
        {
            await writing.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The copy is failing already; the first error is the one reported.
        }
    }

    /// <summary>Reads up to <paramref name="want"/> bytes of the next batch (after the carried look-ahead byte); fewer only at the end of the source.</summary>
    private async ValueTask<int> FillAsync(byte[] input, int want, CancellationToken cancellationToken)
    {
        int filled = BeginBatch(input);
        int read;
        while (filled < want && (read = await _source.ReadAsync(input.AsMemory(filled, want - filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    /// <summary>Puts the look-ahead byte of the previous read (if any) at the start of the buffer; returns the bytes already there.</summary>
    private int BeginBatch(byte[] input)
    {
        if (_carried == 1)
        {
            input[0] = _carry;
        }

        return _carried;
    }

    /// <summary>
    /// Bytes to read for the next batch of at most <paramref name="maxSegments"/> segments: exact
    /// when the length is known (the segments up to the range's last), else full segments + 1
    /// look-ahead byte.
    /// </summary>
    private int BatchReadLength(int maxSegments, out int segments)
    {
        if (!KnownLength)
        {
            segments = maxSegments;
            return (maxSegments * EnvelopeLayout.CiphertextSegmentSize) + 1;
        }

        segments = (int)Math.Min(maxSegments, _lastSegment - _segment + 1);
        long lastOfBatch = _segment + segments - 1;
        // Only the envelope's last segment is short, so every segment of the batch but its last is full.
        return ((segments - 1) * EnvelopeLayout.CiphertextSegmentSize)
            + EnvelopeLayout.SegmentPlaintextLength(lastOfBatch, _plaintextLength) + EnvelopeLayout.TagSize;
    }

    /// <summary>
    /// Authenticates and decrypts the <paramref name="filled"/> ciphertext bytes of a batch into
    /// <paramref name="output"/> (contiguous plaintext; may be <paramref name="input"/> itself for a
    /// single segment) and returns the span of it to hand out. Throws, releasing nothing of the
    /// batch, when a segment fails authentication or the ciphertext ends early.
    /// </summary>
    private (int Start, int End) DecryptBatch(byte[] input, int filled, int want, int segments, byte[] output)
    {
        bool endsEnvelope;
        int lastLength;
        if (KnownLength)
        {
            if (filled < want)
            {
                int cut = filled / EnvelopeLayout.CiphertextSegmentSize;
                int expected = cut == segments - 1 ? want - (cut * EnvelopeLayout.CiphertextSegmentSize) : EnvelopeLayout.CiphertextSegmentSize;
                throw EnvelopeErrors.Truncated(_segment + cut, expected, filled - (cut * EnvelopeLayout.CiphertextSegmentSize));
            }

            endsEnvelope = _segment + segments - 1 == _segmentCount - 1;
            lastLength = want - ((segments - 1) * EnvelopeLayout.CiphertextSegmentSize);
        }
        else
        {
            if (filled == 0)
            {
                throw EnvelopeErrors.NoSegments();
            }

            endsEnvelope = filled < want;
            if (endsEnvelope)
            {
                // The source ended inside this batch: its last present segment is the envelope's last.
                segments = ((filled - 1) / EnvelopeLayout.CiphertextSegmentSize) + 1;
                lastLength = filled - ((segments - 1) * EnvelopeLayout.CiphertextSegmentSize);
            }
            else
            {
                lastLength = EnvelopeLayout.CiphertextSegmentSize;
                _carry = input[want - 1];
                _carried = 1;
            }
        }

        int plainLength = 0;
        for (int i = 0; i < segments; i++)
        {
            bool last = endsEnvelope && i == segments - 1;
            int length = i == segments - 1 ? lastLength : EnvelopeLayout.CiphertextSegmentSize;
            var ciphertext = input.AsSpan(i * EnvelopeLayout.CiphertextSegmentSize, length);
            // One segment decrypts in place (pull mode); a batch decrypts into a separate buffer.
            if (!_cipher.TryDecrypt(_segment + i, last, ciphertext, output.AsSpan(i * EnvelopeLayout.SegmentSize)))
            {
                _finished = true;
                _plainPosition = _plainLength = 0;
                CryptographicOperations.ZeroMemory(output.AsSpan(0, plainLength));
                throw EnvelopeErrors.SegmentAuthentication(_segment + i, last);
            }

            plainLength += length - EnvelopeLayout.TagSize;
        }

        int start = (int)Math.Min(_skip, plainLength);
        int end = (int)Math.Min(plainLength, start + _remaining);
        _remaining -= end - start;
        _skip = 0;
        _segment += segments;
        _finished = endsEnvelope || _remaining == 0;
        return (start, end);
    }

    private int CopyOut(Span<byte> buffer)
    {
        int count = Math.Min(buffer.Length, _plainLength - _plainPosition);
        if (count == 0)
        {
            return 0;
        }

        Input.AsSpan(_plainPosition, count).CopyTo(buffer);
        _plainPosition += count;
        return count;
    }

    private protected override void Release()
    {
        _disposed = true;
        _cipher.Dispose();
        if (_input is not null)
        {
            ArrayPool<byte>.Shared.Return(_input, clearArray: true);
            _input = null;
        }
    }
}
