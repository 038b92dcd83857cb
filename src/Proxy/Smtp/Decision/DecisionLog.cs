namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// Events of the decision at end of DATA (ids 6400–6499). Names are a contract for alerting.
/// Never logged: content, subjects, addresses of senders and recipients; only message ids,
/// client addresses, labels, rules, counts and error kinds.
/// </summary>
internal static partial class DecisionLog
{
    [LoggerMessage(EventId = 6400, EventName = "SmtpMessageDecided", Level = LogLevel.Information,
        Message = "Message {ObjectId} from {Client}: {Action} as {Label} (rule {Rule}, policy {PolicyVersion}, {Recipients} recipients)")]
    public static partial void Decided(ILogger logger, string objectId, string client, string action, string label, string rule, string policyVersion, int recipients);

    [LoggerMessage(EventId = 6401, EventName = "SmtpMessageBlocked", Level = LogLevel.Warning,
        Message = "Message {ObjectId} from {Client} blocked by rule {Rule} (label {Label}); answered 550 5.7.1")]
    public static partial void Blocked(ILogger logger, string objectId, string client, string rule, string label);

    [LoggerMessage(EventId = 6402, EventName = "SmtpRecipientCertificateUnusable", Level = LogLevel.Warning,
        Message = "Message {ObjectId}: {Count} recipient(s) without a usable certificate ({Reasons}); refused by rule {Rule}")]
    public static partial void CertificatesUnusable(ILogger logger, string objectId, int count, string reasons, string rule);

    [LoggerMessage(EventId = 6403, EventName = "SmtpEncryptedToEscrowOnly", Level = LogLevel.Warning,
        Message = "Message {ObjectId}: {Count} recipient(s) without a usable certificate get it encrypted to the escrow certificate only (rule {Rule})")]
    public static partial void EncryptedToEscrowOnly(ILogger logger, string objectId, int count, string rule);

    [LoggerMessage(EventId = 6404, EventName = "SmtpDecisionAuditOnly", Level = LogLevel.Information,
        Message = "Message {ObjectId}: audit-only, would have been {WouldAction} as {WouldLabel} (rule {WouldRule}); {Action} applied")]
    public static partial void WouldHave(ILogger logger, string objectId, string wouldAction, string wouldLabel, string wouldRule, string action);

    [LoggerMessage(EventId = 6405, EventName = "SmtpKeyServiceUnavailable", Level = LogLevel.Error,
        Message = "Message {ObjectId}: cannot {Action} now ({Kind}); answered 451 4.7.0, nothing relayed")]
    public static partial void KeyServiceUnavailable(ILogger logger, string objectId, string action, string kind, Exception exception);

    [LoggerMessage(EventId = 6406, EventName = "SmtpPolicyNotLoaded", Level = LogLevel.Error,
        Message = "Message from {Client}: no policy is loaded; answered 451 4.7.0")]
    public static partial void PolicyNotLoaded(ILogger logger, string client);

    [LoggerMessage(EventId = 6407, EventName = "SmtpMessageUnparsable", Level = LogLevel.Warning,
        Message = "Message from {Client} is not MIME ({Error}); classified as unscannable content")]
    public static partial void Unparsable(ILogger logger, string client, string error);

    [LoggerMessage(EventId = 6408, EventName = "SmtpAuditRecordFailed", Level = LogLevel.Error,
        Message = "Could not record the audit event of the refusal of {ObjectId}; the refusal stands")]
    public static partial void AuditRecordFailed(ILogger logger, string objectId, Exception exception);

    [LoggerMessage(EventId = 6409, EventName = "SmtpMessageCannotBeProtected", Level = LogLevel.Warning,
        Message = "Message {ObjectId} from {Client} must be {Action} (rule {Rule}) but cannot be: {Error}; answered 554 5.6.0")]
    public static partial void CannotBeProtected(ILogger logger, string objectId, string client, string action, string rule, string error);
}

