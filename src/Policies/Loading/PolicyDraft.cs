using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Loading;

/// <summary>A name or value as written, with its position, for checks that need to point at it.</summary>
internal readonly record struct Ref(string Value, SourceLocation At);

/// <summary>
/// Everything read from the policy files before cross-references are checked. The
/// compiler turns a draft without errors into an immutable <see cref="CompiledPolicy"/>.
/// </summary>
internal sealed class PolicyDraft
{
    public SourceLocation? SettingsAt { get; set; }

    public string? Name { get; set; }

    public PolicyMode Mode { get; set; } = PolicyMode.Enforce;

    public RuleSemantics Semantics { get; set; } = RuleSemantics.HighestLabel;

    public Ref? DefaultLabel { get; set; }

    public SourceLocation? OrganisationAt { get; set; }

    public string? OrganisationName { get; set; }

    public List<Ref> InternalDomains { get; } = [];

    public string? EscrowIdentity { get; set; }

    public string? SigningIdentity { get; set; }

    public string? BlockedMailContact { get; set; }

    public string? PlaceholderSubject { get; set; }

    public List<StoreDraft> Stores { get; } = [];

    public List<LabelDraft> Labels { get; } = [];

    public List<UserLabelDraft> UserLabels { get; } = [];

    public List<DetectorDraft> Detectors { get; } = [];

    public List<RuleDraft> Rules { get; } = [];

    public List<MailActionDraft> MailActions { get; } = [];

    public List<DocumentActionDraft> DocumentActions { get; } = [];

    /// <summary>Where the <c>actions</c> section was first met, for "missing action" errors.</summary>
    public SourceLocation? ActionsAt { get; set; }
}

internal sealed record StoreDraft(Ref Name, Ref? Residency, string? Description);

internal sealed record LabelDraft(Ref Name, string? Description, Ref? KeyClass, Ref? Residency, Readers Readers);

internal sealed record UserLabelDraft(string? Source, IReadOnlyList<string> Values, Ref Label, SourceLocation At);

internal sealed record DetectorDraft(
    Ref Name,
    Ref Type,
    IReadOnlyList<string> Keywords,
    Ref? Pattern,
    bool CaseSensitive,
    IReadOnlyList<string> ContextWords,
    int ContextDistance,
    bool ContextInWords,
    bool? RequireContext,
    int MinCount,
    SourceLocation? MinCountAt,
    double? Confidence,
    double? ContextConfidence,
    double MinConfidence);

internal sealed record RuleDraft(
    Ref Name,
    string? Description,
    Condition? When,
    Ref? Label,
    PolicyMode? Mode,
    Readers? Readers,
    string? Reason,
    SourceLocation At);

internal sealed record MailActionDraft(
    Ref Label,
    PolicyAction? Action,
    MissingCertificateBehaviour? MissingCertificate,
    string? PlaceholderSubject,
    string? Reason);

internal sealed record DocumentActionDraft(Ref Label, PolicyAction? Action, IReadOnlyList<Ref> Stores, string? Reason);
