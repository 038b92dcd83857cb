
namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Log events of the document proxy (ids 5100–5199). Names are a contract for alerting; no
/// content, key material or token is ever logged, only paths, labels, rules and key ids.
/// </summary>
internal static partial class DocumentProxyLog
{
    [LoggerMessage(EventId = 5100, EventName = "UploadDecided", Level = LogLevel.Information,
        Message = "Upload {ObjectId} by {Subject}: {Action} as {Label} (rule {Rule}, policy {PolicyVersion}, inspected {Inspected} bytes, complete {Complete})")]
    public static partial void UploadDecided(ILogger logger, string objectId, string subject, UploadAction action, string label, string rule, string policyVersion, int inspected, bool complete);

    [LoggerMessage(EventId = 5101, EventName = "UploadBlocked", Level = LogLevel.Warning,
        Message = "Upload {ObjectId} by {Subject} refused by rule {Rule}")]
    public static partial void UploadBlocked(ILogger logger, string objectId, string subject, string rule);

    [LoggerMessage(EventId = 5102, EventName = "NoAllowedStore", Level = LogLevel.Error,
        Message = "Upload {ObjectId}: no store allowed for label {Label} is available (allowed: {Allowed})")]
    public static partial void NoAllowedStore(ILogger logger, string objectId, string label, string allowed);

    [LoggerMessage(EventId = 5103, EventName = "KeyServiceUnavailable", Level = LogLevel.Error,
        Message = "{ObjectId}: key service unavailable ({Kind}); answered 503")]
    public static partial void KeyServiceUnavailable(ILogger logger, string objectId, string kind, Exception exception);

    [LoggerMessage(EventId = 5104, EventName = "ReadDenied", Level = LogLevel.Warning,
        Message = "Read of {ObjectId} (label {Label}) by {Subject} denied by {Rule}")]
    public static partial void ReadDenied(ILogger logger, string objectId, string? label, string subject, string rule);

    [LoggerMessage(EventId = 5105, EventName = "CiphertextTampered", Level = LogLevel.Critical,
        Message = "Ciphertext of {ObjectId} from store {Store} failed authentication; response aborted")]
    public static partial void CiphertextTampered(ILogger logger, string objectId, string store, Exception? exception);

    [LoggerMessage(EventId = 5106, EventName = "AuditRecordFailed", Level = LogLevel.Error,
        Message = "Could not record the audit event for {ObjectId}")]
    public static partial void AuditRecordFailed(ILogger logger, string objectId, Exception exception);

    [LoggerMessage(EventId = 5107, EventName = "StoreUnavailable", Level = LogLevel.Error,
        Message = "{ObjectId}: no store of route {RouteId} is reachable")]
    public static partial void StoreUnavailable(ILogger logger, string objectId, string routeId);

    [LoggerMessage(EventId = 5108, EventName = "DownloadStreamFailed", Level = LogLevel.Warning,
        Message = "Download of {ObjectId} stopped halfway; response aborted")]
    public static partial void DownloadStreamFailed(ILogger logger, string objectId, Exception exception);

    [LoggerMessage(EventId = 5109, EventName = "PropfindTooLarge", Level = LogLevel.Error,
        Message = "PROPFIND answer for {Path} exceeds {Limit} bytes; refused rather than report ciphertext sizes")]
    public static partial void PropfindTooLarge(ILogger logger, string path, int limit);

    [LoggerMessage(EventId = 5110, EventName = "KeyUseRefused", Level = LogLevel.Warning,
        Message = "{ObjectId}: key service refused ({Kind})")]
    public static partial void KeyUseRefused(ILogger logger, string objectId, string kind, Exception exception);

    [LoggerMessage(EventId = 5111, EventName = "StoreCopyNotRemoved", Level = LogLevel.Error,
        Message = "{ObjectId}: {Method} could not remove the copy in store {Store} ({Outcome}); answered 503")]
    public static partial void StoreCopyNotRemoved(ILogger logger, string objectId, string method, string store, string outcome, Exception? exception);

    [LoggerMessage(EventId = 5112, EventName = "ListingStoreUnavailable", Level = LogLevel.Error,
        Message = "{ObjectId}: PROPFIND could not list store {Store} ({Outcome}); answered 503 rather than an incomplete listing")]
    public static partial void ListingStoreUnavailable(ILogger logger, string objectId, string store, string outcome, Exception? exception);

    [LoggerMessage(EventId = 5120, EventName = "UploadContentCoded", Level = LogLevel.Warning,
        Message = "{ObjectId}: upload by {Subject} refused, Content-Encoding {Coding} cannot be classified")]
    public static partial void UploadContentCoded(ILogger logger, string objectId, string subject, string coding);

    [LoggerMessage(EventId = 5121, EventName = "LabelNotStorableHere", Level = LogLevel.Warning,
        Message = "{ObjectId}: label {Label} may only be stored in {AllowedStores}, which route {RouteId} does not use; upload refused")]
    public static partial void LabelNotStorableHere(ILogger logger, string objectId, string label, string routeId, string allowedStores);

    [LoggerMessage(EventId = 5122, EventName = "RelocationRefused", Level = LogLevel.Warning,
        Message = "MOVE/COPY of {Source} to {Destination} by {Subject} refused: the policy treats the paths differently ({SourceRule} / {DestinationRule})")]
    public static partial void RelocationRefused(ILogger logger, string source, string destination, string subject, string sourceRule, string destinationRule);

    [LoggerMessage(EventId = 5130, EventName = "UploadPreconditionFailed", Level = LogLevel.Information,
        Message = "{ObjectId}: upload by {Subject} not stored, its condition does not hold ({Outcome}, current ETag {ETag}); answered 412")]
    public static partial void UploadPreconditionFailed(ILogger logger, string objectId, string subject, UploadPreconditionOutcome outcome, string? etag);

    [LoggerMessage(EventId = 5131, EventName = "UploadConditionUnchecked", Level = LogLevel.Error,
        Message = "{ObjectId}: the upload's condition could not be checked ({Reason}); answered 503")]
    public static partial void UploadConditionUnchecked(ILogger logger, string objectId, string reason);

    [LoggerMessage(EventId = 5132, EventName = "UploadTooLarge", Level = LogLevel.Warning,
        Message = "{ObjectId}: upload by {Subject} refused, its body exceeds the request body limit (declared length {DeclaredLength}); answered 413")]
    public static partial void UploadTooLarge(ILogger logger, string objectId, string subject, long? declaredLength);
}
