namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// Decodes the bytes of a DATA phase (RFC 5321 §4.1.1.4, §4.5.2) and enforces the
/// smuggling defence: the one and only end of data is <c>CRLF . CRLF</c>, and any bare CR
/// or bare LF anywhere — which is what every <c>&lt;LF&gt;.&lt;CR&gt;&lt;LF&gt;</c>,
/// <c>&lt;CR&gt;.&lt;LF&gt;</c> or <c>&lt;LF&gt;.&lt;LF&gt;</c> ending needs — marks the
/// whole message as refused.
/// </summary>
/// <remarks>
/// A bare LF never starts a new line here, so <c>LF . CR LF</c> is not an end of data:
/// bytes an attacker hopes a downstream server reads as a second transaction stay inside
/// this one, which is then refused. After a violation the decoder stops storing bytes but
/// keeps scanning for the real end, so the session stays in step with the client.
/// Line length counts decoded bytes without the CRLF.
/// </remarks>
internal sealed class DataDecoder : IDisposable
{
    private readonly long _maxSize;
    private readonly int _maxLineLength;
    private readonly int _maxHeaderSize;
    private readonly MessageBuffer _buffer;
    private State _state = State.LineStart;
    private int _lineLength;
    private bool _inHeaders = true;
    private long _size;

    public DataDecoder(long maxSize, int maxLineLength, int maxHeaderSize, long sizeHint)
    {
        _maxSize = maxSize;
        _maxLineLength = maxLineLength - 2;
        _maxHeaderSize = maxHeaderSize;
        _buffer = new MessageBuffer((int)Math.Clamp(sizeHint, 0, Math.Min(maxSize, 64L * 1024 * 1024)));
    }

    private enum State
    {
        LineStart,
        InLine,
        Cr,
        Dot,
        DotCr,
    }

    public DataViolation Violations { get; private set; }

    public bool IsComplete { get; private set; }

    /// <summary>The decoded message; meaningful only when complete without violations.</summary>
    public MessageBuffer Message => _buffer;

    /// <summary>
    /// Consumes bytes until the end of data. Returns the number consumed: all of them,
    /// or up to and including the terminating <c>CRLF . CRLF</c> (then <see cref="IsComplete"/>).
    /// </summary>
    public int Feed(ReadOnlySpan<byte> input)
    {
        var i = 0;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.InLine:
                {
                    var rest = input[i..];
                    var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    var run = end < 0 ? rest : rest[..end];
                    Append(run);
                    _lineLength += run.Length;
                    if (_lineLength > _maxLineLength)
                    {
                        Violate(DataViolation.LineTooLong);
                    }

                    if (end < 0)
                    {
                        return input.Length;
                    }

                    i += end;
                    if (input[i] == '\r')
                    {
                        _state = State.Cr;
                    }
                    else
                    {
                        Violate(DataViolation.BareLineEnding); // bare LF; the line goes on
                    }

                    i++;
                    break;
                }

                case State.Cr:
                    if (input[i] == '\n')
                    {
                        i++;
                        Append("\r\n"u8);
                        EndLine();
                    }
                    else
                    {
                        Violate(DataViolation.BareLineEnding); // bare CR
                        _state = State.InLine;
                    }

                    break;

                case State.LineStart:
                    switch (input[i])
                    {
                        case (byte)'.':
                            _state = State.Dot;
                            i++;
                            break;
                        case (byte)'\r':
                            _state = State.Cr;
                            i++;
                            break;
                        case (byte)'\n':
                            Violate(DataViolation.BareLineEnding);
                            _state = State.InLine;
                            i++;
                            break;
                        default:
                            _state = State.InLine;
                            break;
                    }

                    break;

                case State.Dot:
                    if (input[i] == '\r')
                    {
                        _state = State.DotCr;
                        i++;
                    }
                    else if (input[i] == '\n')
                    {
                        Violate(DataViolation.BareLineEnding); // CRLF . LF
                        _state = State.InLine;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine; // the leading dot was transparency stuffing: dropped
                    }

                    break;

                case State.DotCr:
                    if (input[i] == '\n')
                    {
                        IsComplete = true;
                        return i + 1;
                    }

                    Violate(DataViolation.BareLineEnding); // CRLF . CR x
                    _state = State.InLine;
                    break;
            }
        }

        return input.Length;
    }

    public void Dispose() => _buffer.Dispose();

    private void EndLine()
    {
        if (_inHeaders)
        {
            if (_lineLength == 0)
            {
                _inHeaders = false;
            }
            else if (_size > _maxHeaderSize)
            {
                Violate(DataViolation.HeaderTooLarge);
            }
        }

        _lineLength = 0;
        _state = State.LineStart;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _size += bytes.Length;
        if (_size > _maxSize)
        {
            Violate(DataViolation.TooLarge);
        }

        if (Violations == DataViolation.None)
        {
            _buffer.Append(bytes);
        }
    }

    private void Violate(DataViolation violation)
    {
        Violations |= violation;
        _buffer.Clear(); // nothing of a refused message is kept
    }
}
