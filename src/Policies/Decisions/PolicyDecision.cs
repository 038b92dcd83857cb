using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Decisions;

/// <summary>
/// What the policy decided for one mail or document, and why. Safe to log: it names
/// detectors, locations and counts, never the matched values.
/// </summary>
/// <remarks>
/// <para><c>Applied</c>: what the gateway must do now.</para>
/// <para><c>WouldHave</c>: set when audit-only rules matched or the whole policy is audit-only:
/// the outcome if everything were enforced. Null when the applied outcome is the policy's full answer.</para>
/// <para><c>Mode</c>: <see cref="PolicyMode.AuditOnly"/> when <c>WouldHave</c> differs from what is applied.</para>
/// </remarks>
public sealed record PolicyDecision(
    Channel Channel,
    DecisionOutcome Applied,
    DecisionOutcome? WouldHave,
    PolicyMode Mode,
    IReadOnlyList<DetectorHitSummary> Hits,
    IReadOnlyList<HonouredUserLabel> UserLabels,
    IReadOnlyList<UnscannableContent> Unscannable,
    string PolicyVersion,
    IReadOnlyList<string> Reasons)
{
    public string Label => Applied.Label;

    public PolicyAction Action => Applied.Action;

    public string? KeyClass => Applied.KeyClass;

    public string? Rule => Applied.Rule;

    /// <summary>The policy's full answer: <see cref="WouldHave"/> when set, else <see cref="Applied"/>. Test expectations compare against this.</summary>
    public DecisionOutcome Outcome => WouldHave ?? Applied;
}

/// <summary>A label and what follows from it on the channel.</summary>
/// <remarks>
/// <para><c>Rule</c>: the deciding rule, or null when no rule matched and the default label applied.</para>
/// <para><c>KeyClass</c>: the key class to encrypt with; null unless the action encrypts a document.</para>
/// <para><c>Readers</c>: who may decrypt (the rule's readers, else the label's).</para>
/// <para><c>AllowedStores</c>: documents only: the stores that may hold this label.</para>
/// <para><c>MissingCertificate</c>, <c>PlaceholderSubject</c>: mail encryption only.</para>
/// <para><c>BlockMessage</c>: for <see cref="PolicyAction.Block"/>: the sentence the sender or uploader reads (rule, reason, contact).</para>
/// </remarks>
public sealed record DecisionOutcome(
    string Label,
    PolicyAction Action,
    string? KeyClass,
    string? Rule,
    Readers Readers,
    IReadOnlyList<string> AllowedStores,
    MissingCertificateBehaviour? MissingCertificate,
    string? PlaceholderSubject,
    string? BlockMessage);

/// <summary>How often a detector fired in one location (never the values).</summary>
public sealed record DetectorHitSummary(string Detector, string Type, string Location, int Count, double MaxConfidence);

/// <summary>A label a user set that the policy recognised, and the policy label it maps to.</summary>
public sealed record HonouredUserLabel(string Source, string Value, string Location, string Label);
