using Sovereignty.KeyService;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Audit events the proxy records itself, for attempts that never reach the key service: a
/// read denied by the policy, a stored envelope that failed authentication. (Successful wraps
/// and unwraps are recorded by the key ring.)
/// </summary>
internal sealed class DocumentAudit(IKeyEventLog log, ILogger<DocumentAudit> logger)
{
    /// <summary>Error code of tampered-ciphertext events.</summary>
    public const string TamperedCode = "CiphertextTampered";

    /// <summary>Error code of reads the policy denied.</summary>
    public const string DeniedCode = "LabelNotAllowed";

    public Task ReadDeniedAsync(EnvelopeHeaderInfo? header, KeyUse use, string? label, CancellationToken cancellationToken) =>
        RecordAsync(new KeyEvent(
            KeyOperation.UnwrapDataKey,
            header?.Key.KeyClass ?? "none",
            header?.Key,
            use,
            KeyEventResult.Denied,
            DeniedCode,
            new Dictionary<string, string> { ["label"] = label ?? "(clear)" }), use, cancellationToken);

    public Task TamperedAsync(EnvelopeHeaderInfo? header, KeyUse use, string store, CancellationToken cancellationToken) =>
        RecordAsync(new KeyEvent(
            KeyOperation.UnwrapDataKey,
            header?.Key.KeyClass ?? "unknown",
            header?.Key,
            use,
            KeyEventResult.Error,
            TamperedCode,
            new Dictionary<string, string> { ["store"] = store }), use, cancellationToken);

    private async Task RecordAsync(KeyEvent keyEvent, KeyUse use, CancellationToken cancellationToken)
    {
        try
        {
            // The request may be gone already (aborted download): the record must still be written.
            _ = cancellationToken;
            await log.RecordAsync(keyEvent, CancellationToken.None);
        }
        catch (KeyServiceException e)
        {
            // The refusal stands either way; the failure to record is itself alerted on.
            DocumentProxyLog.AuditRecordFailed(logger, use.ObjectId ?? "?", e);
        }
    }
}
