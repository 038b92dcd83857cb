using Sovereignty.KeyService;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.Policies.Decisions;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// Every reply the decision step gives instead of <c>250</c>. Content decisions are permanent
/// (<c>5xx</c>: retrying the same message cannot change them); infrastructure failures are
/// temporary (<c>451 4.7.0</c>: the client keeps the message and retries, nothing was relayed).
/// </summary>
internal static class DecisionReplies
{
    /// <summary>The policy blocks the message: <c>550 5.7.1</c> with the rule's reason (it names the rule and the contact).</summary>
    public static MessageTransformResult Blocked(DecisionOutcome applied)
    {
        var text = applied.BlockMessage ?? "Refused by the security policy.";
        if (applied.Rule is null)
        {
            text += $" (label {applied.Label})";
        }

        return new MessageTransformResult.Reject(new SmtpReply(550, "5.7.1", ReplyText.Sanitize(text)));
    }

    /// <summary>Encryption is required and some recipients have no usable certificate: <c>550 5.7.1</c> naming each and why.</summary>
    public static MessageTransformResult CertificatesUnusable(IReadOnlyList<RecipientEncryption> missing, DecisionOutcome applied)
    {
        const int Named = 5;
        var names = string.Join(", ", missing.Take(Named).Select(r => $"{r.Address} ({Why(r.Lookup)})"));
        if (missing.Count > Named)
        {
            names += $" and {missing.Count - Named} more";
        }

        var text = $"Not sent: rule {RuleOf(applied)} requires encryption, and no usable S/MIME certificate was found for {names}. "
            + "Ask the recipient for a valid certificate, or remove the recipient.";
        return new MessageTransformResult.Reject(new SmtpReply(550, "5.7.1", ReplyText.Sanitize(text)));
    }

    /// <summary>The message must be protected but could not be parsed as MIME: <c>554 5.6.0</c> (retrying sends the same bytes).</summary>
    public static MessageTransformResult CannotBeProtected(DecisionOutcome applied) =>
        new MessageTransformResult.Reject(new SmtpReply(554, "5.6.0", ReplyText.Sanitize(
            $"Message refused: rule {RuleOf(applied)} requires it to be protected, but it is not a well-formed MIME message")));

    /// <summary>The HSM, a key or the audit log cannot serve now: <c>451 4.7.0</c>, short reason, no detail.</summary>
    public static MessageTransformResult KeyServiceUnavailable(KeyServiceException exception) =>
        new MessageTransformResult.TemporaryFailure(new SmtpReply(451, "4.7.0", exception.Kind switch
        {
            KeyErrorKind.Unavailable => "Cannot protect the message now (HSM or audit log unavailable); try again later",
            KeyErrorKind.KeyNotFound or KeyErrorKind.KeyDestroyed => "Cannot protect the message now (protection key not available); try again later",
            KeyErrorKind.AccessDenied => "Cannot protect the message now (key use refused by the HSM); try again later",
            _ => "Cannot protect the message now (protection not configured); try again later",
        }));

    /// <summary>No policy is loaded: nothing can be decided, so nothing is accepted.</summary>
    public static MessageTransformResult PolicyNotLoaded { get; } =
        new MessageTransformResult.TemporaryFailure(new SmtpReply(451, "4.7.0", "No security policy loaded; try again later"));

    /// <summary>The rule as the sender reads it: its name, or the default label when no rule matched.</summary>
    public static string RuleOf(DecisionOutcome outcome) => outcome.Rule ?? $"default-label:{outcome.Label}";

    /// <summary>Why no certificate of a recipient is usable, in a few words (every distinct reason).</summary>
    public static string Why(CertificateLookupResult lookup)
    {
        if (lookup.Rejected.Count == 0)
        {
            return "no certificate";
        }

        return string.Join(", ", lookup.Rejected
            .SelectMany(r => r.Problems)
            .Select(p => p.Reason switch
            {
                CertificateRejection.Expired => "certificate expired",
                CertificateRejection.NotYetValid => "certificate not yet valid",
                CertificateRejection.Revoked => "certificate revoked",
                CertificateRejection.UntrustedChain => "certificate untrusted",
                CertificateRejection.RevocationUnknown => "revocation status unknown",
                CertificateRejection.Unreadable => "certificate unreadable",
                _ => "certificate not valid for mail encryption",
            })
            .Distinct(StringComparer.Ordinal));
    }
}
