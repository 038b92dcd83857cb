using System.Net;
using System.Security.Authentication;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Logging;

/// <summary>
/// Listener events (ids 6100–6199). Names are a contract for alerting. Never logged:
/// message content, passwords or AUTH data; addresses of senders and recipients.
/// </summary>
internal static partial class ListenerLog
{
    [LoggerMessage(EventId = 6100, EventName = "SmtpListenerStarted", Level = LogLevel.Information, Message = "SMTP relay listening on {EndPoint}")]
    public static partial void ListenerStarted(ILogger logger, EndPoint endPoint);

    [LoggerMessage(EventId = 6101, EventName = "SmtpConnectionAccepted", Level = LogLevel.Debug, Message = "SMTP connection from {Client}")]
    public static partial void ConnectionAccepted(ILogger logger, EndPoint? client);

    [LoggerMessage(EventId = 6102, EventName = "SmtpTooManyConnections", Level = LogLevel.Warning, Message = "SMTP connection from {Client} refused: {Limit} connections open")]
    public static partial void TooManyConnections(ILogger logger, EndPoint? client, int limit);

    [LoggerMessage(EventId = 6103, EventName = "SmtpTlsStarted", Level = LogLevel.Debug, Message = "STARTTLS with {Client}: {Protocol}")]
    public static partial void TlsStarted(ILogger logger, EndPoint client, SslProtocols protocol);

    [LoggerMessage(EventId = 6104, EventName = "SmtpTlsHandshakeFailed", Level = LogLevel.Warning, Message = "STARTTLS handshake with {Client} failed: {Error}")]
    public static partial void TlsHandshakeFailed(ILogger logger, EndPoint client, string error);

    [LoggerMessage(EventId = 6105, EventName = "SmtpPlaintextAfterStartTlsDiscarded", Level = LogLevel.Warning, Message = "{Client} pipelined {Bytes} plaintext bytes after STARTTLS; discarded (RFC 3207 §6, command injection)")]
    public static partial void PlaintextAfterStartTlsDiscarded(ILogger logger, EndPoint client, long bytes);

    [LoggerMessage(EventId = 6106, EventName = "SmtpAuthSucceeded", Level = LogLevel.Information, Message = "{Client} authenticated as {User}")]
    public static partial void AuthSucceeded(ILogger logger, EndPoint client, string user);

    [LoggerMessage(EventId = 6107, EventName = "SmtpAuthFailed", Level = LogLevel.Warning, Message = "{Client} failed to authenticate ({Mechanism})")]
    public static partial void AuthFailed(ILogger logger, EndPoint client, string mechanism);

    [LoggerMessage(EventId = 6108, EventName = "SmtpRelayDenied", Level = LogLevel.Warning, Message = "{Client} denied relaying: not in an allowed network and not authenticated")]
    public static partial void RelayDenied(ILogger logger, EndPoint client);

    [LoggerMessage(EventId = 6109, EventName = "SmtpMessageRefused", Level = LogLevel.Information, Message = "Message from {Client} refused at end of DATA: {Reply}")]
    public static partial void MessageRefused(ILogger logger, EndPoint client, SmtpReply reply);

    [LoggerMessage(EventId = 6110, EventName = "SmtpSmugglingRefused", Level = LogLevel.Warning, Message = "Message from {Client} refused: bare CR or LF in DATA (SMTP smuggling defence)")]
    public static partial void SmugglingRefused(ILogger logger, EndPoint client);

    [LoggerMessage(EventId = 6111, EventName = "SmtpMessageAccepted", Level = LogLevel.Information, Message = "Message {QueueId} accepted from {Client}: {Size} bytes, {Recipients} recipients")]
    public static partial void MessageAccepted(ILogger logger, string queueId, EndPoint client, long size, int recipients);

    [LoggerMessage(EventId = 6112, EventName = "SmtpTransformerFailed", Level = LogLevel.Error, Message = "Message transformer failed for a message from {Client}; answered 451")]
    public static partial void TransformerFailed(ILogger logger, EndPoint client, Exception exception);

    [LoggerMessage(EventId = 6113, EventName = "SmtpSpoolWriteFailed", Level = LogLevel.Error, Message = "Could not spool a message from {Client}; answered 451")]
    public static partial void SpoolWriteFailed(ILogger logger, EndPoint client, Exception exception);

    [LoggerMessage(EventId = 6114, EventName = "SmtpIdleTimeout", Level = LogLevel.Information, Message = "{Client} idle for {Timeout}; connection closed")]
    public static partial void IdleTimeout(ILogger logger, EndPoint client, TimeSpan timeout);

    [LoggerMessage(EventId = 6115, EventName = "SmtpTooManyErrors", Level = LogLevel.Warning, Message = "{Client} made {Errors} protocol errors; connection closed")]
    public static partial void TooManyErrors(ILogger logger, EndPoint client, int errors);

    [LoggerMessage(EventId = 6116, EventName = "SmtpSessionEnded", Level = LogLevel.Debug, Message = "SMTP session with {Client} ended: {Reason}")]
    public static partial void SessionEnded(ILogger logger, EndPoint client, string reason);

    [LoggerMessage(EventId = 6118, EventName = "SmtpSessionFailed", Level = LogLevel.Error, Message = "SMTP session failed unexpectedly")]
    public static partial void SessionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6117, EventName = "SmtpListenerStopped", Level = LogLevel.Information, Message = "SMTP relay stopped listening on {EndPoint}")]
    public static partial void ListenerStopped(ILogger logger, EndPoint endPoint);
}
