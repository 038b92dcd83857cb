using Sovereignty.Policies.Decisions;

namespace Sovereignty.Policies.Evaluation;

/// <summary>How one condition evaluated, with its sub-conditions, for <c>policy explain</c>.</summary>
/// <remarks><c>Detail</c> says what was found (counts, locations, domains), never content values.</remarks>
public sealed record ConditionTrace(string Description, bool Matched, string? Detail, IReadOnlyList<ConditionTrace> Children);

/// <summary>How one rule evaluated.</summary>
/// <remarks><c>Role</c> says what the match meant: decided, outranked, audit-only, after the first match…</remarks>
public sealed record RuleTrace(string Rule, string Label, bool AuditOnly, bool Matched, ConditionTrace Condition, string Role);

/// <summary>A decision with the reasoning behind it.</summary>
public sealed record EvaluationTrace(PolicyDecision Decision, IReadOnlyList<RuleTrace> Rules);
