using System.Globalization;
using Sovereignty.Proxy.Smtp.Logging;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Listener;

internal sealed partial class SmtpSession
{
    /// <summary>
    /// DATA: decode until <c>CRLF . CRLF</c>, refuse what breaks a limit or the smuggling
    /// rule, let the transformer decide, spool durably, and only then answer 250 with the
    /// queue id. Nothing of a refused message is kept or relayed.
    /// </summary>
    private async ValueTask DataAsync(string argument)
    {
        if (argument.Length > 0)
        {
            Error(501, "5.5.4", "DATA takes no parameters");
            return;
        }

        if (!InTransaction)
        {
            Error(503, "5.5.1", "Need MAIL before DATA");
            return;
        }

        if (_recipients.Count == 0)
        {
            Error(554, "5.5.1", "No valid recipients");
            return;
        }

        Reply(354, null, "End data with <CR><LF>.<CR><LF>");
        using var decoder = new DataDecoder(_limits.MaxMessageSize, _limits.MaxLineLength, _limits.MaxHeaderSize, _declaredSize);
        while (!decoder.IsComplete)
        {
            var result = await ReadInputAsync();
            var buffer = result.Buffer;
            var segmentStart = buffer.Start;
            var next = segmentStart;
            while (buffer.TryGet(ref next, out var segment))
            {
                var consumed = decoder.Feed(segment.Span);
                if (decoder.IsComplete)
                {
                    // Bytes after CRLF.CRLF are the client's next pipelined commands.
                    _reader.AdvanceTo(buffer.GetPosition(consumed, segmentStart));
                    break;
                }

                segmentStart = next;
            }

            if (!decoder.IsComplete)
            {
                _reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    throw new IOException("Connection closed during DATA; the partial message is discarded.");
                }
            }
        }

        try
        {
            await EndOfDataAsync(decoder);
        }
        finally
        {
            ResetTransaction();
        }
    }

    private async ValueTask EndOfDataAsync(DataDecoder decoder)
    {
        var violations = decoder.Violations;
        if (violations != DataViolation.None)
        {
            _errors++;
            var reply = RefusalFor(violations);
            if ((violations & DataViolation.BareLineEnding) != 0)
            {
                ListenerLog.SmugglingRefused(_context.Logger, _remote);
            }
            else
            {
                ListenerLog.MessageRefused(_context.Logger, _remote, reply);
            }

            Reply(reply.Code, reply.EnhancedStatus, reply.Text);
            return;
        }

        var message = decoder.Message.Sequence;
        if (MimeDepth.Exceeds(message, _limits.MaxMimeDepth))
        {
            var reply = new SmtpReply(554, "5.6.0", string.Create(CultureInfo.InvariantCulture, $"MIME parts nested deeper than {_limits.MaxMimeDepth} levels"));
            ListenerLog.MessageRefused(_context.Logger, _remote, reply);
            Reply(reply.Code, reply.EnhancedStatus, reply.Text);
            return;
        }

        var envelope = new SmtpEnvelope(_sender!, _recipients.ToArray(), new SmtpClientInfo(_remote, _heloName!, _isTls, _authenticatedUser));
        MessageTransformResult decision;
        try
        {
            decision = await _context.Transformer.TransformAsync(envelope, message, _idle.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ListenerLog.TransformerFailed(_context.Logger, _remote, ex);
            Reply(451, "4.3.0", "Local error in processing; try again later");
            return;
        }

        switch (decision)
        {
            case MessageTransformResult.Accept accept:
                try
                {
                    var spooled = await _context.Spool.EnqueueAsync(
                        envelope.Sender,
                        envelope.Recipients,
                        _remote.ToString(),
                        accept.Message,
                        _context.Options.MessageLifetime,
                        isBounce: false,
                        _idle.Token);
                    ListenerLog.MessageAccepted(_context.Logger, spooled.Id, _remote, spooled.Size, spooled.Recipients.Count);
                    Reply(250, "2.0.0", "Ok: queued as " + spooled.Id);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    ListenerLog.SpoolWriteFailed(_context.Logger, _remote, ex);
                    Reply(451, "4.3.0", "Local error in processing; try again later");
                }

                break;
            case MessageTransformResult.Reject reject:
                ListenerLog.MessageRefused(_context.Logger, _remote, reject.Reply);
                Reply(reject.Reply.Code, reject.Reply.EnhancedStatus, reject.Reply.Text);
                break;
            case MessageTransformResult.TemporaryFailure failure:
                ListenerLog.MessageRefused(_context.Logger, _remote, failure.Reply);
                Reply(failure.Reply.Code, failure.Reply.EnhancedStatus, failure.Reply.Text);
                break;
        }
    }

    private SmtpReply RefusalFor(DataViolation violations)
    {
        if ((violations & DataViolation.BareLineEnding) != 0)
        {
            return new SmtpReply(554, "5.6.0", "Message refused: bare CR or LF in message data (lines must end with CRLF)");
        }

        if ((violations & DataViolation.TooLarge) != 0)
        {
            return new SmtpReply(552, "5.3.4", "Message size exceeds fixed maximum message size");
        }

        if ((violations & DataViolation.HeaderTooLarge) != 0)
        {
            return new SmtpReply(552, "5.3.4", string.Create(CultureInfo.InvariantCulture, $"Header section exceeds {_limits.MaxHeaderSize} bytes"));
        }

        return new SmtpReply(500, "5.5.2", string.Create(CultureInfo.InvariantCulture, $"Line longer than {_limits.MaxLineLength} bytes"));
    }
}
