using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Audit;

/// <summary>Log events of the audit log (ids 4000-4099). The names are a contract for alerting.</summary>
internal static partial class AuditLog
{
    [LoggerMessage(EventId = 4001, EventName = "AuditWriteFailed", Level = LogLevel.Error,
        Message = "Audit node {Node}: {Count} events could not be written to Redis; the key operations fail closed")]
    public static partial void WriteFailed(ILogger logger, string node, int count, Exception exception);

    [LoggerMessage(EventId = 4002, EventName = "AuditJournaled", Level = LogLevel.Warning,
        Message = "Audit node {Node}: Redis unavailable, {Count} events written to the local journal ({Bytes} bytes used)")]
    public static partial void Journaled(ILogger logger, string node, int count, long bytes);

    [LoggerMessage(EventId = 4003, EventName = "AuditJournalFull", Level = LogLevel.Critical,
        Message = "Audit node {Node}: Redis unavailable and the local journal is full; key operations fail closed")]
    public static partial void JournalFull(ILogger logger, string node);

    [LoggerMessage(EventId = 4004, EventName = "AuditJournalFlushed", Level = LogLevel.Information,
        Message = "Audit node {Node}: {Count} journaled events flushed to Redis")]
    public static partial void JournalFlushed(ILogger logger, string node, int count);

    [LoggerMessage(EventId = 4005, EventName = "AuditChainConflict", Level = LogLevel.Error,
        Message = "Audit node {Node}: the stored chain head moved under this writer ({Reason}); is another process using the same node id?")]
    public static partial void ChainConflict(ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 4006, EventName = "AuditCheckpointSigned", Level = LogLevel.Debug,
        Message = "Audit node {Node}: checkpoint {Number} signed for events {First}-{Last}")]
    public static partial void CheckpointSigned(ILogger logger, string node, long number, long first, long last);

    [LoggerMessage(EventId = 4007, EventName = "AuditCheckpointFailed", Level = LogLevel.Warning,
        Message = "Audit node {Node}: checkpoint could not be signed or stored; retrying later")]
    public static partial void CheckpointFailed(ILogger logger, string node, Exception exception);

    [LoggerMessage(EventId = 4008, EventName = "AuditTrimmed", Level = LogLevel.Information,
        Message = "Audit node {Node}: retention trimmed events up to {StreamId}")]
    public static partial void Trimmed(ILogger logger, string node, string streamId);

    [LoggerMessage(EventId = 4009, EventName = "AuditTrimFailed", Level = LogLevel.Warning,
        Message = "Audit node {Node}: retention trimming failed; retrying later")]
    public static partial void TrimFailed(ILogger logger, string node, Exception exception);
}
