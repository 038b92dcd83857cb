using Sovereignty.KeyService.Keys;
using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Model;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// The audit log's view of one message: who submitted it (the authenticated user, else the
/// client address; the EHLO name as client software), what it is (its Message-ID), why a key
/// is used (rule, policy version, label, action), and for whom (the envelope recipients, which
/// the log stores only as a count and SHA-256 hashes).
/// </summary>
internal static class MailKeyUse
{
    public static KeyUse Create(SmtpEnvelope envelope, string objectId, PolicyDecision decision, string correlationId)
    {
        var client = envelope.Client;
        var address = client.RemoteEndPoint.Address.ToString();
        var applied = decision.Applied;
        var detail = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["channel"] = "mail",
            ["label"] = applied.Label,
            ["action"] = PolicyNames.Action(applied.Action),
        };
        if (decision.Mode == PolicyMode.AuditOnly && decision.WouldHave is { } wouldHave)
        {
            // Audit-only: the record says what enforcing the policy would have done.
            detail["would-have-label"] = wouldHave.Label;
            detail["would-have-action"] = PolicyNames.Action(wouldHave.Action);
            detail["would-have-rule"] = DecisionReplies.RuleOf(wouldHave);
        }

        return new KeyUse
        {
            Actor = client.AuthenticatedUser ?? address,
            ClientAddress = address,
            ClientSoftware = client.HeloName,
            ObjectId = objectId,
            Purpose = DecisionReplies.RuleOf(applied),
            PolicyVersion = decision.PolicyVersion,
            CorrelationId = correlationId,
            Recipients = envelope.Recipients,
            Detail = detail,
        };
    }
}
