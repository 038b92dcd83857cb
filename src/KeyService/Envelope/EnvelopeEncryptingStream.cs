using System.Buffers;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Encryption by pull: a read-only stream that reads plaintext from a source stream and
/// yields the envelope (header, then segments). Made for request bodies that a proxy
/// reads from us (YARP), and for <see cref="Envelope.EncryptAsync"/>.
/// </summary>
/// <remarks>
/// Holds one plaintext segment (+1 look-ahead byte, to know whether a segment is the last)
/// and one ciphertext segment, rented from <see cref="ArrayPool{T}"/>. Both start small
/// (<see cref="InitialBufferSize"/>) and grow to a whole segment only when the source has
/// more: a 4 KiB upload then costs two 8 KiB rentals instead of two 128 KiB ones (arrays of
/// the large-object heap, which the shared pool drops on every gen2 collection and which
/// were cleared in full on return). The plaintext is cleared, as far as it was written,
/// before its buffer goes back. A zero-byte read from the caller returns 0 without touching
/// the source; a source read returns 0 only at its end, because we always ask it for at
/// least one byte.
/// <para>
/// With a final-segment gate, everything but the last segment's tag (its last 16 bytes) goes out
/// at once, the tag only once the gate has completed, and the gate's failure is thrown in its
/// place: the caller's envelope can never be complete before the gate (the data key's key
/// event, see <see cref="Keys.IKeyRing.BeginWrapAsync"/>) has succeeded.
/// </para>
/// </remarks>
internal sealed class EnvelopeEncryptingStream : EnvelopeStream
{
    /// <summary>What the plaintext buffer holds before the source shows it has more (a small object's whole body).</summary>
    internal const int InitialBufferSize = 8 * 1024;

    /// <summary>Below this, the tail of a segment is joined with the next segment in one read (<see cref="JoinsNextSegment"/>).</summary>
    internal const int JoinBelow = 4 * 1024;

    private const int PlainCapacity = EnvelopeLayout.SegmentSize + 1;

    private readonly Stream _source;
    private readonly SegmentCipher _cipher;
    private readonly byte[] _header;
    private readonly Task? _finalSegmentGate;
    private byte[]? _plain;
    private byte[]? _output;
    private int _plainUsed;
    private int _headerPosition;
    private int _carried;
    private int _outputPosition;
    private int _outputLength;
    private long _segment;
    private bool _finished;

    public EnvelopeEncryptingStream(Stream source, EnvelopeHeader header, SegmentCipher cipher, bool leaveOpen, Task? finalSegmentGate = null)
        : base(source, leaveOpen)
    {
        _source = source;
        _cipher = cipher;
        _header = header.Bytes.ToArray();
        _finalSegmentGate = finalSegmentGate;
        _plain = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
        _output = ArrayPool<byte>.Shared.Rent(InitialBufferSize);
    }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int written = 0;
        do
        {
            if (NeedsSegment(buffer.Length - written))
            {
                EncryptSegment(FillPlain());
            }

            if (WaitsForGate(written))
            {
                _finalSegmentGate!.GetAwaiter().GetResult();
            }

            written += CopyOut(buffer[written..]);
        }
        while (JoinsNextSegment(written, buffer.Length));

        return written;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        int written = 0;
        do
        {
            if (NeedsSegment(buffer.Length - written))
            {
                EncryptSegment(await FillPlainAsync(cancellationToken).ConfigureAwait(false));
            }

            if (WaitsForGate(written))
            {
                await _finalSegmentGate!.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            written += CopyOut(buffer.Span[written..]);
        }
        while (JoinsNextSegment(written, buffer.Length));

        return written;
    }

    /// <summary>Push mode: writes the whole envelope to <paramref name="destination"/> without an extra copy.</summary>
    public async Task WriteAllToAsync(Stream destination, CancellationToken cancellationToken)
    {
        if (_headerPosition < _header.Length)
        {
            await destination.WriteAsync(_header.AsMemory(_headerPosition), cancellationToken).ConfigureAwait(false);
            _headerPosition = _header.Length;
        }

        while (!_finished || _outputPosition < _outputLength)
        {
            if (_outputPosition == _outputLength)
            {
                EncryptSegment(await FillPlainAsync(cancellationToken).ConfigureAwait(false));
            }
            else if (WaitsForGate(written: 0))
            {
                await _finalSegmentGate!.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            int end = ReleasableEnd;
            await destination.WriteAsync(Output.AsMemory(_outputPosition, end - _outputPosition), cancellationToken).ConfigureAwait(false);
            _outputPosition = end;
        }
    }

    public override void Flush()
    {
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private byte[] Plain => _plain ?? throw new ObjectDisposedException(nameof(EnvelopeEncryptingStream));

    private byte[] Output => _output ?? throw new ObjectDisposedException(nameof(EnvelopeEncryptingStream));

    /// <summary>
    /// Whether to encrypt the next segment before answering a read of <paramref name="room"/>
    /// bytes: when the last one is all read and the read has room beyond what is left of the
    /// header. So the header comes out together with the first segment: a small object's whole
    /// envelope in one read, which the proxy sends upstream in one write instead of two.
    /// </summary>
    private bool NeedsSegment(int room) =>
        !_finished && _outputPosition == _outputLength && room > _header.Length - _headerPosition;

    /// <summary>
    /// Whether a read that has <paramref name="written"/> of <paramref name="room"/> bytes goes on
    /// into the next segment. A ciphertext segment (64 KiB + tag) is 16 bytes longer than the
    /// 64 KiB buffers of YARP and of most copy loops, so a read that stopped at each segment's
    /// end would hand out a few bytes after every full buffer: HttpClient then keeps them and
    /// splits the next write in two, one more system call and one more packet per segment.
    /// Such a tail is joined with the next segment; from <see cref="JoinBelow"/> bytes on it goes
    /// alone, so a read never holds back much while it waits for the source.
    /// </summary>
    private bool JoinsNextSegment(int written, int room) =>
        written < JoinBelow && written < room && !_finished && _outputPosition == _outputLength && _headerPosition == _header.Length;

    /// <summary>Fills one segment + 1 look-ahead byte, or up to the end of the source; returns the plaintext held.</summary>
    private async ValueTask<int> FillPlainAsync(CancellationToken cancellationToken)
    {
        int filled = _carried;
        int read;
        while (filled < PlainCapacity && (read = await _source.ReadAsync(FreePlain(filled), cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled = NoteFilled(filled + read);
        }

        return filled;
    }

    /// <summary>
    /// Whether a read that has handed out <paramref name="written"/> bytes must wait for the gate
    /// (or throw its error) before it can hand out anything more: nothing is out yet in this read,
    /// the header is all out, and all that is left is the last segment's held-back tag. An empty
    /// body's last segment is its tag alone, so without this a read after the header would
    /// return 0, the end of the stream, with the envelope 16 bytes short and the gate unasked.
    /// </summary>
    private bool WaitsForGate(int written) =>
        written == 0 && _headerPosition == _header.Length && _outputPosition == ReleasableEnd && _outputPosition < _outputLength;

    /// <summary>
    /// Where the bytes that may go out now end in the current segment: all of it, except the last
    /// segment's tag while the gate is not open. Without its tag the last segment cannot be
    /// authenticated, and the store cannot complete the object: the body is short of its length.
    /// </summary>
    private int ReleasableEnd =>
        _finished && _finalSegmentGate is { IsCompletedSuccessfully: false } ? _outputLength - EnvelopeLayout.TagSize : _outputLength;

    private int FillPlain()
    {
        int filled = _carried;
        int read;
        while (filled < PlainCapacity && (read = _source.Read(FreePlain(filled).Span)) > 0)
        {
            filled = NoteFilled(filled + read);
        }

        return filled;
    }

    /// <summary>Where the next source read goes: the plaintext buffer after <paramref name="filled"/>, grown to a whole segment once full.</summary>
    private Memory<byte> FreePlain(int filled)
    {
        byte[] plain = Plain;
        if (filled == plain.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(PlainCapacity);
            plain.AsSpan(0, filled).CopyTo(larger);
            ReturnPlain(plain, filled);
            _plain = plain = larger;
        }

        return plain.AsMemory(filled, Math.Min(plain.Length, PlainCapacity) - filled);
    }

    private int NoteFilled(int filled)
    {
        _plainUsed = Math.Max(_plainUsed, filled);
        return filled;
    }

    private static void ReturnPlain(byte[] plain, int used)
    {
        plain.AsSpan(0, used).Clear();
        ArrayPool<byte>.Shared.Return(plain);
    }

    private void EncryptSegment(int filled)
    {
        byte[] plain = Plain;
        bool last = filled <= EnvelopeLayout.SegmentSize;
        int length = last ? filled : EnvelopeLayout.SegmentSize;
        byte[] output = Output;
        if (output.Length < length + EnvelopeLayout.TagSize)
        {
            ArrayPool<byte>.Shared.Return(output);
            _output = null;
            _output = output = ArrayPool<byte>.Shared.Rent(EnvelopeLayout.CiphertextSegmentSize);
        }

        _cipher.Encrypt(_segment, last, plain.AsSpan(0, length), output);
        _outputPosition = 0;
        _outputLength = length + EnvelopeLayout.TagSize;
        _segment++;
        if (last)
        {
            _finished = true;
            _carried = 0;
        }
        else
        {
            plain[0] = plain[EnvelopeLayout.SegmentSize];
            _carried = 1;
        }
    }

    /// <summary>Copies what is left of the header, then of the current segment, as far as <paramref name="buffer"/> holds.</summary>
    private int CopyOut(Span<byte> buffer)
    {
        int written = 0;
        if (_headerPosition < _header.Length)
        {
            written = Math.Min(buffer.Length, _header.Length - _headerPosition);
            _header.AsSpan(_headerPosition, written).CopyTo(buffer);
            _headerPosition += written;
        }

        int count = Math.Min(buffer.Length - written, ReleasableEnd - _outputPosition);
        Output.AsSpan(_outputPosition, count).CopyTo(buffer[written..]);
        _outputPosition += count;
        return written + count;
    }

    private protected override void Release()
    {
        _cipher.Dispose();
        if (_plain is not null)
        {
            ReturnPlain(_plain, _plainUsed);
            _plain = null;
        }

        if (_output is not null)
        {
            ArrayPool<byte>.Shared.Return(_output);
            _output = null;
        }
    }
}
