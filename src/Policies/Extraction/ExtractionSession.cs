using Sovereignty.Policies.Extraction.Labels;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// The state of one extraction: what was found so far and how much of each limit is used.
/// Not thread-safe; one per extraction.
/// </summary>
internal sealed class ExtractionSession
{
    private const int CopyBufferSize = 81920;

    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly List<ContentPart> _parts = [];
    private readonly List<UnscannableContent> _unscannable = [];
    private readonly List<UserLabel> _labels = [];
    private readonly HashSet<(string, string, string)> _labelKeys = [];
    private readonly List<AttachmentInfo> _attachments = [];
    private long _bytes;
    private int _partCount;

    public ExtractionSession(ExtractionLimits limits, TimeProvider time, CancellationToken cancellationToken)
    {
        Limits = limits;
        _time = time;
        _start = time.GetTimestamp();
        CancellationToken = cancellationToken;
    }

    public ExtractionLimits Limits { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>Set once a whole-extraction limit (time, total bytes, parts) is reached: nothing more is read.</summary>
    public bool Stopped { get; private set; }

    /// <summary>
    /// Whether extraction may go on at <paramref name="location"/>; when the time limit has just
    /// been reached, records it there and stops. Throws when cancelled.
    /// </summary>
    public bool Continue(string location)
    {
        CancellationToken.ThrowIfCancellationRequested();
        if (Stopped)
        {
            return false;
        }

        if (_time.GetElapsedTime(_start) > Limits.MaxTime)
        {
            Stop(location, $"time limit of {Limits.MaxTime.TotalSeconds:0.###} s reached; the rest was not scanned");
            return false;
        }

        return true;
    }

    /// <summary>Whether a container at <paramref name="depth"/> may be opened; records it otherwise.</summary>
    public bool EnterDepth(int depth, string location)
    {
        if (depth > Limits.MaxDepth)
        {
            AddUnscannable(location, UnscannableReason.LimitExceeded, $"nesting deeper than {Limits.MaxDepth} levels");
            return false;
        }

        return true;
    }

    /// <summary>Counts one more part (text, attachment or archive member); false once there are too many.</summary>
    public bool CountPart(string location)
    {
        if (!Continue(location))
        {
            return false;
        }

        if (++_partCount > Limits.MaxParts)
        {
            Stop(location, $"more than {Limits.MaxParts} parts; the rest was not scanned");
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads what <paramref name="write"/> produces into memory, within the total byte limit
    /// and, for compressed input of <paramref name="compressedLength"/> bytes, the expansion
    /// ratio. Returns null (and records why) when a limit is exceeded.
    /// </summary>
    public byte[]? Capture(string location, long compressedLength, Action<Stream, CancellationToken> write, long expectedLength = -1)
    {
        if (!Continue(location))
        {
            return null;
        }

        using var buffer = new BoundedBuffer(this, compressedLength, Capacity(expectedLength), pooled: null);
        return Fill(location, buffer, write) ? buffer.ToArray() : null;
    }

    /// <summary>
    /// Reads <paramref name="source"/> to its end within the limits, like <see cref="Capture(string, long, Stream, long)"/>,
    /// into an array rented from the shared pool: for content needed only while it is extracted
    /// (the caller disposes the result, which returns the array). Large intermediate buffers
    /// taken from the pool are memory already in use, not fresh memory the system must map.
    /// </summary>
    public PooledBytes? CapturePooled(string location, long compressedLength, Stream source, long expectedLength = -1)
    {
        if (!Continue(location))
        {
            return null;
        }

        var pooled = new PooledBytes(Capacity(expectedLength));
        using var buffer = new BoundedBuffer(this, compressedLength, 0, pooled);
        if (Fill(location, buffer, (target, ct) => source.CopyTo(target, CopyBufferSize)))
        {
            return pooled;
        }

        pooled.Dispose();
        return null;
    }

    /// <summary>
    /// Takes <paramref name="count"/> bytes the caller already holds in memory into the byte
    /// budget, within the same limits as <see cref="Capture(string, long, Stream, long)"/>, but
    /// without reading them into a buffer of the session's own. False (and recorded why) when a
    /// limit is exceeded.
    /// </summary>
    public bool Admit(string location, long count) =>
        Continue(location) && WithinLimits(location, () => AccountDecoded(count));

    // A size hint (declared, so untrusted) only pre-sizes the buffer, within the byte budget.
    private int Capacity(long expectedLength) =>
        (int)Math.Clamp(expectedLength, 0, Math.Min(Limits.MaxTotalBytes - _bytes, Array.MaxLength));

    private bool Fill(string location, BoundedBuffer buffer, Action<Stream, CancellationToken> write) =>
        WithinLimits(location, () => write(buffer, CancellationToken));

    // Runs what reads or accounts content; a limit it reaches is recorded at location.
    private bool WithinLimits(string location, Action read)
    {
        try
        {
            read();
            return true;
        }
        catch (ExtractionLimitException e)
        {
            if (e.StopsExtraction)
            {
                Stop(location, e.Message);
            }
            else
            {
                AddUnscannable(location, UnscannableReason.LimitExceeded, e.Message);
            }

            return false;
        }
    }

    /// <summary>
    /// Takes <paramref name="count"/> bytes of the total byte budget for content decoded in one
    /// piece; false (nothing taken) when they do not fit.
    /// </summary>
    public bool TryReserve(long count)
    {
        if (count > Limits.MaxTotalBytes - _bytes)
        {
            return false;
        }

        _bytes += count;
        return true;
    }

    /// <summary>Gives back bytes taken with <see cref="TryReserve"/> that were not used.</summary>
    public void Release(long count) => _bytes -= count;

    /// <summary>Reads <paramref name="source"/> to its end within the limits.</summary>
    public byte[]? Capture(string location, long compressedLength, Stream source, long expectedLength = -1) =>
        Capture(location, compressedLength, (target, ct) => source.CopyTo(target, CopyBufferSize), expectedLength);

    /// <summary>Adds the text of a part, truncated to the per-part limit, and looks for markings in it.</summary>
    public void AddText(string location, string contentType, string text)
    {
        if (text.Length > Limits.MaxTextCharsPerPart)
        {
            text = text[..Limits.MaxTextCharsPerPart];
            AddUnscannable(location, UnscannableReason.LimitExceeded, $"text longer than {Limits.MaxTextCharsPerPart} characters; the rest was not scanned");
        }

        _parts.Add(new ContentPart(location, contentType, text));
        foreach (var marking in Markings.Find(text))
        {
            AddLabel(new UserLabel(Markings.Source, marking, location));
        }
    }

    public void AddUnscannable(string location, UnscannableReason reason, string detail) =>
        _unscannable.Add(new UnscannableContent(location, reason, detail));

    public void AddLabel(UserLabel label)
    {
        if (_labelKeys.Add((label.Source, label.Value, label.Location)))
        {
            _labels.Add(label);
        }
    }

    public void AddAttachment(AttachmentInfo attachment) => _attachments.Add(attachment);

    public ExtractedContent ToContent() => new(_parts, _unscannable, _labels, _attachments);

    private void Stop(string location, string detail)
    {
        Stopped = true;
        AddUnscannable(location, UnscannableReason.LimitExceeded, detail);
    }

    /// <summary>A write-only in-memory stream that enforces the byte limits as it grows.</summary>
    private sealed class BoundedBuffer : Stream
    {
        private readonly ExtractionSession _session;
        private readonly long _compressedLength;
        private readonly MemoryStream _inner;
        private readonly PooledBytes? _pooled;

        // pooled: where the bytes go instead of a buffer of its own, when not null.
        public BoundedBuffer(ExtractionSession session, long compressedLength, int capacity, PooledBytes? pooled)
        {
            _session = session;
            _compressedLength = compressedLength;
            _pooled = pooled;
            _inner = new MemoryStream(pooled is null ? capacity : 0);
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _pooled?.Length ?? _inner.Length;

        public override long Position
        {
            get => Length;
            set => throw new NotSupportedException();
        }

        // When the size hint was exact, hand over the buffer itself instead of a copy.
        public byte[] ToArray() => _inner.Capacity == _inner.Length ? _inner.GetBuffer() : _inner.ToArray();

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Account(buffer.Length);
            if (_pooled is not null)
            {
                _pooled.Write(buffer);
            }
            else
            {
                _inner.Write(buffer);
            }
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private void Account(int count)
        {
            var session = _session;
            session.AccountDecoded(count);
            var produced = Length + count;
            if (_compressedLength >= 0
                && produced > session.Limits.ExpansionCheckThresholdBytes
                && produced > Math.Max(_compressedLength, 1) * session.Limits.MaxExpansionRatio)
            {
                throw new ExtractionLimitException($"expands more than {session.Limits.MaxExpansionRatio}:1 (possible decompression bomb)", stopsExtraction: false);
            }
        }
    }

    // Counts decoded bytes against the total budget and checks the time limit.
    private void AccountDecoded(long count)
    {
        CancellationToken.ThrowIfCancellationRequested();
        _bytes += count;
        if (_bytes > Limits.MaxTotalBytes)
        {
            throw new ExtractionLimitException($"more than {Limits.MaxTotalBytes} bytes decoded in total; the rest was not scanned", stopsExtraction: true);
        }

        if (_time.GetElapsedTime(_start) > Limits.MaxTime)
        {
            throw new ExtractionLimitException($"time limit of {Limits.MaxTime.TotalSeconds:0.###} s reached; the rest was not scanned", stopsExtraction: true);
        }
    }
}

/// <summary>A limit was reached while reading; <see cref="StopsExtraction"/> when it is a whole-extraction limit.</summary>
internal sealed class ExtractionLimitException : Exception
{
    public ExtractionLimitException(string message, bool stopsExtraction)
        : base(message)
    {
        StopsExtraction = stopsExtraction;
    }

    public bool StopsExtraction { get; }
}
