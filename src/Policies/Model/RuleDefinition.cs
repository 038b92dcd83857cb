namespace Sovereignty.Policies.Model;

/// <summary>A rule: when <see cref="When"/> holds, the content gets <see cref="Label"/>.</summary>
/// <remarks>
/// <para><c>Mode</c>: The rule's own mode; an audit-only rule is evaluated and reported but never decides.</para>
/// <para><c>Readers</c>: Who may decrypt, overriding the label's readers (e.g. an HR folder readable by group RH).</para>
/// <para><c>Reason</c>: Why the rule exists, shown in decisions and to senders of blocked mail.</para>
/// </remarks>
public sealed record RuleDefinition(
    string Name,
    string? Description,
    Condition When,
    string Label,
    PolicyMode Mode,
    Readers? Readers,
    string? Reason,
    SourceLocation At);
