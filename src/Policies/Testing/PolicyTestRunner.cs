using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Testing;

/// <summary>Runs test cases against a compiled policy, like a unit-test run.</summary>
public sealed class PolicyTestRunner
{
    private readonly SampleReader _samples;

    public PolicyTestRunner(SampleReader samples)
    {
        _samples = samples;
    }

    public IReadOnlyList<PolicyTestResult> Run(CompiledPolicy policy, IEnumerable<PolicyTestCase> cases, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(cases);
        var results = new List<PolicyTestResult>();
        foreach (var testCase in cases)
        {
            PolicyDecision decision;
            try
            {
                decision = PolicyEvaluator.Evaluate(policy, _samples.Read(testCase.Sample, testCase.Overrides, cancellationToken), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException)
            {
                results.Add(new PolicyTestResult(testCase, null, [$"sample could not be read: {ex.Message}"]));
                continue;
            }

            results.Add(new PolicyTestResult(testCase, decision, Compare(testCase, decision)));
        }

        return results;
    }

    /// <summary>Every expectation that the decision does not meet, as "what: expected X, got Y".</summary>
    public static IReadOnlyList<string> Compare(PolicyTestCase expected, PolicyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(decision);
        var failures = new List<string>();
        var outcome = decision.Outcome;
        Check("label", expected.ExpectedLabel, outcome.Label);
        Check("action", expected.ExpectedAction is { } a ? PolicyNames.Action(a) : null, PolicyNames.Action(outcome.Action));
        Check("rule", expected.ExpectedRule, outcome.Rule ?? "default");
        Check("key-class", expected.ExpectedKeyClass, outcome.KeyClass ?? "none");
        Check("mode", expected.ExpectedMode is { } m ? PolicyNames.Mode(m) : null, PolicyNames.Mode(decision.Mode));
        Check("applied-action", expected.ExpectedAppliedAction is { } applied ? PolicyNames.Action(applied) : null, PolicyNames.Action(decision.Action));
        return failures;

        void Check(string what, string? wanted, string actual)
        {
            if (wanted is not null && !string.Equals(wanted, actual, StringComparison.Ordinal))
            {
                failures.Add($"{what}: expected {wanted}, got {actual}");
            }
        }
    }
}
