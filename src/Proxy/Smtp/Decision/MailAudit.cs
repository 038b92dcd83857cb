using Sovereignty.KeyService;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime.Encryption;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// Audit events the relay records itself, for what the key service does not see: encryption to
/// the escrow certificate (public-key only, no HSM call) and refusals (a blocked message, a
/// recipient without a usable certificate). Signing is recorded by the key service.
/// </summary>
/// <remarks>
/// All are <see cref="KeyOperation.WrapDataKey"/> events: the message's content key wrapped
/// (RSA key transport) to the escrow key pair and the recipients' certificates, or refused.
/// Recipients are passed as the envelope addresses; the log keeps only their count and hashes.
/// </remarks>
internal sealed class MailAudit(IKeyEventLog log, ILogger<MailAudit> logger)
{
    /// <summary>Error code of messages the policy blocked.</summary>
    public const string BlockedCode = "MailBlocked";

    /// <summary>Error code of messages refused because a recipient has no usable certificate.</summary>
    public const string CertificateCode = "RecipientCertificateUnusable";

    /// <summary>Key class recorded for a block, which involves no key.</summary>
    public const string NoKeyClass = "none";

    /// <summary>
    /// Records the encryption of a message to the escrow key (and the recipients' certificates).
    /// Fails (retryably) when the log cannot record it: the message is then not relayed.
    /// </summary>
    public async Task EncryptedAsync(KeyReference escrowKey, KeyUse use, SmimeEncryptionResult result, CancellationToken cancellationToken)
    {
        var keyEvent = new KeyEvent(KeyOperation.WrapDataKey, escrowKey.KeyClass, escrowKey, use, KeyEventResult.Ok,
            Detail: Merge(use.Detail, result.AuditDetail), Recipients: use.Recipients);
        try
        {
            await log.RecordAsync(keyEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not KeyServiceException and not OperationCanceledException)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "The encryption event could not be recorded, so the message was not relayed.", ex);
        }
    }

    /// <summary>Records a message the policy blocked.</summary>
    public Task BlockedAsync(KeyUse use) =>
        RecordRefusalAsync(new KeyEvent(KeyOperation.WrapDataKey, NoKeyClass, null, use, KeyEventResult.Denied, BlockedCode,
            use.Detail, use.Recipients));

    /// <summary>Records a message refused because recipients have no usable certificate (with the rejected certificates' fingerprints).</summary>
    public Task CertificatesUnusableAsync(KeyReference escrowKey, KeyUse use, SmimeEncryptionResult result)
    {
        var detail = Merge(use.Detail, result.AuditDetail);
        var rejected = result.Recipients.SelectMany(r => r.Lookup.Rejected).Select(a => a.Fingerprint).Distinct(StringComparer.Ordinal).ToList();
        if (rejected.Count > 0)
        {
            detail["rejected-certificates"] = string.Join(',', rejected);
        }

        return RecordRefusalAsync(new KeyEvent(KeyOperation.WrapDataKey, escrowKey.KeyClass, escrowKey, use, KeyEventResult.Denied, CertificateCode,
            detail, use.Recipients));
    }

    private async Task RecordRefusalAsync(KeyEvent keyEvent)
    {
        try
        {
            // The client's connection may be gone already: the record must still be written.
            await log.RecordAsync(keyEvent, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The refusal stands either way (nothing was relayed); the failure to record is alerted on.
            DecisionLog.AuditRecordFailed(logger, keyEvent.Use.ObjectId ?? "?", ex);
        }
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? first, IReadOnlyDictionary<string, string> second)
    {
        var merged = first is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }

        return merged;
    }
}
