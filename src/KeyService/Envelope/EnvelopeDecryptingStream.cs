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
/// source of known length), exactly the bytes of the segments the range needs are read.
/// <para>
/// Pull mode (<see cref="Stream.Read(byte[], int, int)"/>) works one segment at a time in one
/// buffer, decrypted in place. Push mode (<see cref="WriteAllToAsync"/>, what the document
/// proxy uses) reads segment by segment too but decrypts into batches of up to
/// <see cref="SegmentsPerBatch"/> segments, written with one call each, and overlaps: while
/// one batch of authenticated plaintext is being written to the destination, the next batch
/// is read and decrypted into a second buffer. A batch is written only once every segment in
/// it authenticated, so a failing segment stops the copy with at most the previous batch
/// (authentic plaintext) in flight. Per stream: one segment buffer and, in push mode, two
/// batch buffers, from <see cref="ArrayPool{T}"/>, cleared on return.
/// </para>
/// </remarks>
internal sealed class EnvelopeDecryptingStream : EnvelopeStream
{
    /// <summary>
    /// Segments per write in push mode (256 KiB of plaintext): a quarter of the write calls (and
    /// of the destination's flushes) of one segment each, for two 256 KiB buffers per stream.
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

    /// <summary>
    /// The segment buffer: the ciphertext of one segment; in pull mode also (decrypted in place)
    /// the plaintext being handed out.
    /// </summary>
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
            int want = SegmentReadLength();
            int filled = BeginSegment(input);
            int read;
            while (filled < want && (read = _source.Read(input, filled, want - filled)) > 0)
            {
                filled += read;
            }

            (_plainPosition, _plainLength) = DecryptSegment(input, filled, want, input);
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
            int want = SegmentReadLength();
            int filled = await FillSegmentAsync(input, want, cancellationToken).ConfigureAwait(false);
            (_plainPosition, _plainLength) = DecryptSegment(input, filled, want, input);
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
        byte[] input = Input;
        if (_plainPosition < _plainLength)
        {
            // Plaintext left over from pull-mode reads.
            await destination.WriteAsync(input.AsMemory(_plainPosition, _plainLength - _plainPosition), cancellationToken).ConfigureAwait(false);
            _plainPosition = _plainLength;
        }

        if (_finished)
        {
            return;
        }

        int batch = KnownLength ? (int)Math.Min(SegmentsPerBatch, _lastSegment - _segment + 1) : SegmentsPerBatch;
        byte[][] plain = [ArrayPool<byte>.Shared.Rent(batch * EnvelopeLayout.SegmentSize), ArrayPool<byte>.Shared.Rent(batch * EnvelopeLayout.SegmentSize)];
        ValueTask writing = ValueTask.CompletedTask;
        try
        {
            for (int next = 0; !_finished; next ^= 1)
            {
                // Segments land side by side: only the first can start late (the range's skip) and
                // only the last can end early (the range's end or the envelope's), so the batch is contiguous.
                int start = 0;
                int end = 0;
                for (int i = 0; i < batch && !_finished; i++)
                {
                    int want = SegmentReadLength();
                    int filled = await FillSegmentAsync(input, want, cancellationToken).ConfigureAwait(false);
                    (int first, int stop) = DecryptSegment(input, filled, want, plain[next].AsSpan(i * EnvelopeLayout.SegmentSize));
                    start = i == 0 ? first : start;
                    end = (i * EnvelopeLayout.SegmentSize) + stop;
                }

                // One write in flight at most: the previous one (from the other buffer) ends before this
                // one starts, so the next batch can be decrypted into that buffer meanwhile.
                await TakeWrite(ref writing).ConfigureAwait(false);
                writing = destination.WriteAsync(plain[next].AsMemory(start, end - start), cancellationToken);
            }

            await TakeWrite(ref writing).ConfigureAwait(false);
        }
        finally
        {
            // A failure while a write is in flight (a later segment failed, the upstream broke):
            // that write may still use its buffer, so it must end before the buffer goes back.
            await CompleteQuietlyAsync(writing).ConfigureAwait(false);
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

    /// <summary>Reads up to <paramref name="want"/> bytes of the next segment (after the carried look-ahead byte); fewer only at the end of the source.</summary>
    private async ValueTask<int> FillSegmentAsync(byte[] input, int want, CancellationToken cancellationToken)
    {
        int filled = BeginSegment(input);
        int read;
        while (filled < want && (read = await _source.ReadAsync(input.AsMemory(filled, want - filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    /// <summary>Puts the look-ahead byte of the previous read (if any) at the start of the buffer; returns the bytes already there.</summary>
    private int BeginSegment(byte[] input)
    {
        if (_carried == 1)
        {
            input[0] = _carry;
        }

        return _carried;
    }

    /// <summary>Bytes to read for the next segment: exact when the length is known, else a full segment + 1 look-ahead byte.</summary>
    private int SegmentReadLength() => KnownLength
        ? EnvelopeLayout.SegmentPlaintextLength(_segment, _plaintextLength) + EnvelopeLayout.TagSize
        : EnvelopeLayout.CiphertextSegmentSize + 1;

    /// <summary>
    /// Authenticates and decrypts the segment read into <paramref name="input"/> into
    /// <paramref name="output"/> (the same buffer in pull mode: in place) and returns the part of
    /// its plaintext to hand out. Throws, releasing nothing of it, when the segment fails
    /// authentication or the ciphertext ended early.
    /// </summary>
    private (int Start, int End) DecryptSegment(byte[] input, int filled, int want, Span<byte> output)
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

        _carry = input[EnvelopeLayout.CiphertextSegmentSize];
        if (!_cipher.TryDecrypt(_segment, last, input.AsSpan(0, length), output))
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
        int start = (int)Math.Min(_skip, plainLength);
        int end = (int)Math.Min(plainLength, start + _remaining);
        _remaining -= end - start;
        _skip = 0;
        _segment++;
        _finished = last || _remaining == 0;
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
