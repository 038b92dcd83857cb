namespace Sovereignty.Proxy.Smtp.Logging;

/// <summary>Spool events (ids 6200–6299). Queue ids only, never content.</summary>
internal static partial class SpoolLog
{
    [LoggerMessage(EventId = 6200, EventName = "SmtpMessageSpooled", Level = LogLevel.Debug, Message = "Message {QueueId} spooled and synced: {Size} bytes, {Recipients} recipients")]
    public static partial void MessageSpooled(ILogger logger, string queueId, long size, int recipients);

    [LoggerMessage(EventId = 6201, EventName = "SmtpSpoolRecovered", Level = LogLevel.Information, Message = "Spool {Directory}: {Queued} messages queued, {Removed} leftovers of unacknowledged writes removed")]
    public static partial void SpoolRecovered(ILogger logger, string directory, int queued, int removed);
}
