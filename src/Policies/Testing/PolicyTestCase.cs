using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Testing;

/// <summary>One expectation an officer wrote: this sample should get this label and action.</summary>
/// <remarks>
/// <para><c>Sample</c>: the sample file's full path (written relative to the test file).</para>
/// <para><c>ExpectedRule</c>: a rule name, or <c>default</c> for "no rule matched".</para>
/// <para>Label, action, rule and key class are compared with the policy's full answer
/// (<see cref="Decisions.PolicyDecision.Outcome"/>, i.e. as if audit-only rules were enforced);
/// <c>ExpectedAppliedAction</c> with what the gateway does now; <c>ExpectedMode</c> with the decision's mode.</para>
/// </remarks>
public sealed record PolicyTestCase(
    string Name,
    string Sample,
    SourceLocation At,
    SampleOverrides Overrides,
    string? ExpectedLabel,
    PolicyAction? ExpectedAction,
    string? ExpectedRule,
    string? ExpectedKeyClass,
    PolicyMode? ExpectedMode,
    PolicyAction? ExpectedAppliedAction);
