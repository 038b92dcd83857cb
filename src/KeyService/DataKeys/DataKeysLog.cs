using Microsoft.Extensions.Logging;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>Log events of the data-key service (event ids 2100–2199). Never logs key bytes.</summary>
internal static partial class DataKeysLog
{
    [LoggerMessage(EventId = 2100, EventName = "DataKeyCreated", Level = LogLevel.Debug,
        Message = "Data key created and wrapped under {Key} for {ObjectId}")]
    public static partial void DataKeyCreated(ILogger logger, KeyReference key, string? objectId);

    [LoggerMessage(EventId = 2101, EventName = "DataKeyCacheHit", Level = LogLevel.Debug,
        Message = "Data key under {Key} served from the DEK cache for {ObjectId}")]
    public static partial void CacheHit(ILogger logger, KeyReference key, string? objectId);

    [LoggerMessage(EventId = 2102, EventName = "DataKeyUnwrapped", Level = LogLevel.Debug,
        Message = "Data key under {Key} unwrapped by the HSM for {ObjectId}")]
    public static partial void Unwrapped(ILogger logger, KeyReference key, string? objectId);

    [LoggerMessage(EventId = 2103, EventName = "DataKeyCacheHitNotAudited", Level = LogLevel.Warning,
        Message = "The audit log refused the cache-hit event for {Key}; the unwrap fails (retryable)")]
    public static partial void CacheHitNotAudited(ILogger logger, KeyReference key, Exception exception);

    [LoggerMessage(EventId = 2104, EventName = "EnvelopeContextMismatch", Level = LogLevel.Warning,
        Message = "Envelope under {Key} refused: its encryption context does not match the expected one for {ObjectId}")]
    public static partial void ContextMismatch(ILogger logger, KeyReference key, string? objectId);
}
