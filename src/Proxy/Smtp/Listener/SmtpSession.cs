using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using Sovereignty.Proxy.Smtp.Logging;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// One ESMTP session (RFC 5321) over one connection: a small state machine reading
/// commands from a <see cref="PipeReader"/> and batching replies, so pipelined commands
/// (RFC 2920) get their replies in one write, flushed only when the session would wait
/// for input.
/// </summary>
internal sealed partial class SmtpSession : IAsyncDisposable
{
    private const int PipeBufferSize = 64 * 1024;

    private readonly Socket _socket;
    private readonly SmtpSessionContext _context;
    private readonly SmtpLimitsOptions _limits;
    private readonly IPEndPoint _remote;
    private readonly ArrayBufferWriter<byte> _replies = new(1024);
    private readonly CancellationTokenSource _idle;
    private readonly NetworkStream _network;
    private Stream _stream;
    private PipeReader _reader;
    private bool _needMoreInput;
    private int _errors;

    // Session state (RFC 5321 §4.1.4: EHLO, RSET and STARTTLS reset parts of it).
    private string? _heloName;
    private bool _isTls;
    private string? _authenticatedUser;
    private string? _sender;
    private long _declaredSize;
    private readonly List<string> _recipients = [];

    public SmtpSession(Socket socket, SmtpSessionContext context)
    {
        _socket = socket;
        _context = context;
        _limits = context.Options.Limits;
        _remote = (IPEndPoint)socket.RemoteEndPoint!;
        _network = new NetworkStream(socket, ownsSocket: true);
        _stream = _network;
        _reader = PipeReader.Create(_network, new StreamPipeReaderOptions(bufferSize: PipeBufferSize, leaveOpen: true));
        _idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, context.TimeProvider);
    }

    private bool InTransaction => _sender is not null;

    private bool MayRelay => _authenticatedUser is not null || _context.AllowedNetworks.Contains(_remote.Address);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stopping = cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _idle);
        var reason = "closed";
        try
        {
            Reply(220, null, $"{_context.Options.ServerName} ESMTP Sovereignty");
            while (true)
            {
                var line = await ReadCommandLineAsync();
                if (line is null)
                {
                    reason = "client closed the connection";
                    break;
                }

                if (!await ExecuteAsync(line))
                {
                    reason = "session ended";
                    break;
                }

                if (_errors > _limits.MaxErrors)
                {
                    ListenerLog.TooManyErrors(_context.Logger, _remote, _errors);
                    Reply(421, "4.7.0", $"{_context.Options.ServerName} Too many errors, closing connection");
                    reason = "too many errors";
                    break;
                }
            }

            await FlushRepliesAsync();
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ListenerLog.IdleTimeout(_context.Logger, _remote, _limits.IdleTimeout);
            reason = "idle timeout";
            await TrySendFinalAsync(421, "4.4.2", $"{_context.Options.ServerName} Idle timeout, closing connection");
        }
        catch (OperationCanceledException)
        {
            reason = "relay stopping";
            await TrySendFinalAsync(421, "4.3.2", $"{_context.Options.ServerName} Service shutting down");
        }
        catch (LineTooLongException)
        {
            reason = "command line too long";
            await TrySendFinalAsync(500, "5.5.2", "Line too long, closing connection");
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or ObjectDisposedException)
        {
            reason = ex.Message;
        }

        ListenerLog.SessionEnded(_context.Logger, _remote, reason);
    }

    public async ValueTask DisposeAsync()
    {
        await _reader.CompleteAsync();
        await _stream.DisposeAsync();
        await _network.DisposeAsync();
        _idle.Dispose();
    }

    /// <summary>Runs one command; false ends the session.</summary>
    private async ValueTask<bool> ExecuteAsync(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var argument = space < 0 ? "" : line[(space + 1)..];
        switch (verb)
        {
            case "EHLO":
                Hello(argument, extended: true);
                return true;
            case "HELO":
                Hello(argument, extended: false);
                return true;
            case "STARTTLS":
                return await StartTlsAsync(argument);
            case "AUTH":
                await AuthenticateAsync(argument);
                return true;
            case "MAIL":
                Mail(argument);
                return true;
            case "RCPT":
                Recipient(argument);
                return true;
            case "DATA":
                await DataAsync(argument);
                return true;
            case "RSET":
                ResetTransaction();
                Reply(250, "2.0.0", "Ok");
                return true;
            case "NOOP":
                Reply(250, "2.0.0", "Ok");
                return true;
            case "VRFY":
                Reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
                return true;
            case "HELP":
                Reply(214, "2.0.0", "See RFC 5321");
                return true;
            case "QUIT":
                Reply(221, "2.0.0", $"{_context.Options.ServerName} Bye");
                return false;
            default:
                Error(500, "5.5.1", "Command not recognized");
                return true;
        }
    }

    private void Hello(string argument, bool extended)
    {
        var name = argument.Trim();
        if (name.Length == 0 || name.Any(c => c <= ' ' || c > '~'))
        {
            Error(501, "5.5.4", "Syntax: " + (extended ? "EHLO" : "HELO") + " hostname");
            return;
        }

        ResetTransaction();
        _heloName = name;
        if (!extended)
        {
            Reply(250, null, $"{_context.Options.ServerName}");
            return;
        }

        var lines = new List<string>
        {
            $"{_context.Options.ServerName} greets {name}",
            string.Create(CultureInfo.InvariantCulture, $"SIZE {_limits.MaxMessageSize}"),
            "PIPELINING",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
        };
        if (_context.CanStartTls && !_isTls)
        {
            lines.Add("STARTTLS");
        }

        if (_context.CanAuthenticate && _isTls)
        {
            lines.Add("AUTH PLAIN LOGIN");
        }

        for (var i = 0; i < lines.Count; i++)
        {
            WriteReplyLine(250, i < lines.Count - 1, null, lines[i]);
        }
    }

    private void Mail(string argument)
    {
        if (_heloName is null)
        {
            Error(503, "5.5.1", "Send EHLO first");
            return;
        }

        if (InTransaction)
        {
            Error(503, "5.5.1", "Nested MAIL command");
            return;
        }

        if (!argument.StartsWith("FROM:", StringComparison.OrdinalIgnoreCase)
            || !SmtpAddress.TryParsePath(argument[5..], allowNull: true, out var sender, out var parameters))
        {
            Error(501, "5.1.7", "Syntax: MAIL FROM:<address>");
            return;
        }

        long size = 0;
        foreach (var parameter in parameters.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = parameter.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? parameter : parameter[..eq]).ToUpperInvariant();
            var value = eq < 0 ? "" : parameter[(eq + 1)..];
            switch (key)
            {
                case "SIZE" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out size):
                    break;
                case "BODY" when value.Equals("7BIT", StringComparison.OrdinalIgnoreCase) || value.Equals("8BITMIME", StringComparison.OrdinalIgnoreCase):
                    break;
                case "AUTH":
                    break; // RFC 4954 §5: the submitter's identity, informational for a relay
                default:
                    Error(555, "5.5.4", "Unsupported MAIL parameter " + key);
                    return;
            }
        }

        if (size > _limits.MaxMessageSize)
        {
            Error(552, "5.3.4", "Message size exceeds fixed maximum message size");
            return;
        }

        if (!MayRelay)
        {
            ListenerLog.RelayDenied(_context.Logger, _remote);
            Error(550, "5.7.1", "Relaying denied: authenticate first or connect from an allowed network");
            return;
        }

        _sender = sender;
        _declaredSize = size;
        Reply(250, "2.1.0", "Sender ok");
    }

    private void Recipient(string argument)
    {
        if (!InTransaction)
        {
            Error(503, "5.5.1", "Need MAIL before RCPT");
            return;
        }

        if (!argument.StartsWith("TO:", StringComparison.OrdinalIgnoreCase)
            || !SmtpAddress.TryParsePath(argument[3..], allowNull: false, out var recipient, out var parameters))
        {
            Error(501, "5.1.3", "Syntax: RCPT TO:<address>");
            return;
        }

        if (parameters.Length > 0)
        {
            Error(555, "5.5.4", "RCPT parameters are not supported");
            return;
        }

        if (_recipients.Count >= _limits.MaxRecipients)
        {
            // RFC 5321 §4.5.3.1.10: 452 (not 5xx) so the client sends the rest in another transaction.
            Reply(452, "4.5.3", "Too many recipients");
            return;
        }

        _recipients.Add(recipient);
        Reply(250, "2.1.5", "Recipient ok");
    }

    private void ResetTransaction()
    {
        _sender = null;
        _declaredSize = 0;
        _recipients.Clear();
    }

    private void Error(int code, string enhanced, string text)
    {
        _errors++;
        Reply(code, enhanced, text);
    }

    private void Reply(int code, string? enhanced, string text) => WriteReplyLine(code, more: false, enhanced, text);

    private void WriteReplyLine(int code, bool more, string? enhanced, string text)
    {
        if (text.Any(char.IsControl))
        {
            text = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray()); // client bytes never forge a reply line
        }

        var line = enhanced is null
            ? string.Create(CultureInfo.InvariantCulture, $"{code}{(more ? '-' : ' ')}{text}\r\n")
            : string.Create(CultureInfo.InvariantCulture, $"{code}{(more ? '-' : ' ')}{enhanced} {text}\r\n");
        var span = _replies.GetSpan(line.Length);
        var written = Encoding.ASCII.GetBytes(line, span);
        _replies.Advance(written);
    }

    private async ValueTask FlushRepliesAsync()
    {
        if (_replies.WrittenCount == 0)
        {
            return;
        }

        await _stream.WriteAsync(_replies.WrittenMemory);
        await _stream.FlushAsync();
        _replies.ResetWrittenCount();
    }

    private async ValueTask TrySendFinalAsync(int code, string enhanced, string text)
    {
        try
        {
            Reply(code, enhanced, text);
            await FlushRepliesAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            // The client is gone already.
        }
    }

    /// <summary>Reads input, flushing pending replies first: the session only waits when it has answered everything.</summary>
    private async ValueTask<ReadResult> ReadInputAsync()
    {
        if (!_needMoreInput && _reader.TryRead(out var buffered))
        {
            return buffered;
        }

        await FlushRepliesAsync();
        _idle.CancelAfter(_limits.IdleTimeout);
        var result = await _reader.ReadAsync(_idle.Token);
        _idle.CancelAfter(Timeout.InfiniteTimeSpan);
        _needMoreInput = false;
        return result;
    }

    /// <summary>Next CRLF-terminated command line (without CRLF), or null at end of input.</summary>
    private async ValueTask<string?> ReadCommandLineAsync()
    {
        while (true)
        {
            var result = await ReadInputAsync();
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var line = buffer.Slice(0, end);
                if (line.Length + 1 > _limits.MaxLineLength)
                {
                    _reader.AdvanceTo(buffer.End);
                    throw new LineTooLongException();
                }

                var bytes = line.ToArray();
                _reader.AdvanceTo(buffer.GetPosition(1, end));
                if (bytes.Length == 0 || bytes[^1] != '\r')
                {
                    Error(500, "5.5.2", "Command lines end with CRLF");
                    continue;
                }

                return Encoding.Latin1.GetString(bytes, 0, bytes.Length - 1);
            }

            if (buffer.Length >= _limits.MaxLineLength)
            {
                _reader.AdvanceTo(buffer.End);
                throw new LineTooLongException();
            }

            if (result.IsCompleted)
            {
                _reader.AdvanceTo(buffer.End);
                return null;
            }

            _reader.AdvanceTo(buffer.Start, buffer.End);
            _needMoreInput = true;
        }
    }

    private sealed class LineTooLongException : Exception
    {
    }
}
