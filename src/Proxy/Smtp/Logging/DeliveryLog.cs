namespace Sovereignty.Proxy.Smtp.Logging;

/// <summary>Delivery worker events (ids 6300–6399). Queue ids and SMTP replies, never content.</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 6300, EventName = "SmtpMessageDelivered", Level = LogLevel.Information, Message = "Message {QueueId} delivered upstream to {Recipients} recipients (attempt {Attempt})")]
    public static partial void Delivered(ILogger logger, string queueId, int recipients, int attempt);

    [LoggerMessage(EventId = 6301, EventName = "SmtpDeliveryDeferred", Level = LogLevel.Warning, Message = "Message {QueueId} deferred after attempt {Attempt}, next at {NextAttempt:O}: {Error}")]
    public static partial void Deferred(ILogger logger, string queueId, int attempt, DateTimeOffset nextAttempt, string error);

    [LoggerMessage(EventId = 6302, EventName = "SmtpRecipientFailed", Level = LogLevel.Warning, Message = "Message {QueueId}: a recipient was refused for good: {Reply}")]
    public static partial void RecipientFailed(ILogger logger, string queueId, string reply);

    [LoggerMessage(EventId = 6303, EventName = "SmtpMessageBounced", Level = LogLevel.Information, Message = "Message {QueueId}: DSN {DsnQueueId} queued for {Recipients} undelivered recipients")]
    public static partial void Bounced(ILogger logger, string queueId, string dsnQueueId, int recipients);

    [LoggerMessage(EventId = 6304, EventName = "SmtpMessageExpired", Level = LogLevel.Warning, Message = "Message {QueueId} expired after {Attempts} attempts; bouncing")]
    public static partial void Expired(ILogger logger, string queueId, int attempts);

    [LoggerMessage(EventId = 6305, EventName = "SmtpUpstreamUnavailable", Level = LogLevel.Warning, Message = "Upstream {Host}:{Port} unavailable: {Error}")]
    public static partial void UpstreamUnavailable(ILogger logger, string host, int port, string error);

    [LoggerMessage(EventId = 6306, EventName = "SmtpDeliveryError", Level = LogLevel.Error, Message = "Message {QueueId}: unexpected delivery error; will retry")]
    public static partial void DeliveryError(ILogger logger, string queueId, Exception exception);

    [LoggerMessage(EventId = 6307, EventName = "SmtpBounceNotSent", Level = LogLevel.Warning, Message = "Message {QueueId} undeliverable to {Recipients} recipients; no DSN because the sender is null or it is itself a DSN")]
    public static partial void BounceNotSent(ILogger logger, string queueId, int recipients);

    [LoggerMessage(EventId = 6308, EventName = "SmtpSpoolEntryUnreadable", Level = LogLevel.Error, Message = "Spool entry {QueueId} is unreadable; left in place for an operator")]
    public static partial void EntryUnreadable(ILogger logger, string queueId, Exception exception);

    [LoggerMessage(EventId = 6309, EventName = "SmtpDeliveryWorkerStarted", Level = LogLevel.Information, Message = "Delivery worker started: {Workers} connections to {Host}:{Port} ({Security})")]
    public static partial void WorkerStarted(ILogger logger, int workers, string host, int port, UpstreamSecurity security);
}
