using Sovereignty.Policies.Decisions;

namespace Sovereignty.Policies.Testing;

/// <summary>The outcome of one test case; <c>Failures</c> lists each expectation not met (or why the sample could not run).</summary>
public sealed record PolicyTestResult(PolicyTestCase Case, PolicyDecision? Decision, IReadOnlyList<string> Failures)
{
    public bool Passed => Failures.Count == 0;
}
