using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// Evaluates a <see cref="CompiledPolicy"/> against one request. Stateless and pure: any
/// number of threads may evaluate the same policy at once.
/// </summary>
/// <remarks>
/// Semantics: every detector runs over every scanned part once; then every rule is
/// evaluated. Under <see cref="RuleSemantics.HighestLabel"/> the matching rule with the
/// most sensitive label decides (ties: the earlier rule); under
/// <see cref="RuleSemantics.FirstMatch"/> the first matching rule decides. Audit-only
/// rules are evaluated the same way but only feed <see cref="PolicyDecision.WouldHave"/>.
/// When no rule matches, the policy's default label applies.
/// </remarks>
public static class PolicyEvaluator
{
    public static PolicyDecision Evaluate(CompiledPolicy policy, ClassificationRequest request, CancellationToken cancellationToken = default) =>
        Run(policy, request, trace: false, cancellationToken).Decision;

    /// <summary>Evaluates and records every rule and condition, for explanations.</summary>
    public static EvaluationTrace Explain(CompiledPolicy policy, ClassificationRequest request, CancellationToken cancellationToken = default) =>
        Run(policy, request, trace: true, cancellationToken);

    private static EvaluationTrace Run(CompiledPolicy policy, ClassificationRequest request, bool trace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);

        var scan = ContentScanner.Scan(policy.CompiledDetectors, request.Content, cancellationToken);
        if (scan.Unscannable.Count > 0)
        {
            // A detector that timed out leaves that part unread: rules see it as unscannable (fail closed).
            request = request with { Content = request.Content with { Unscannable = [.. request.Content.Unscannable, .. scan.Unscannable] } };
        }

        var hits = scan.Hits
            .GroupBy(h => h.Detector, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var userLabels = MapUserLabels(policy, request.Content.UserLabels);
        var context = new MatchContext(policy, request, hits, userLabels);

        var globalAudit = policy.Mode == PolicyMode.AuditOnly;
        RuleDefinition? enforced = null;
        RuleDefinition? any = null;
        var matched = new List<(RuleDefinition Rule, ConditionTrace? Trace)>();
        var traces = new List<(RuleDefinition Rule, bool Matched, ConditionTrace Trace)>();
        foreach (var rule in policy.Rules)
        {
            ConditionTrace? conditionTrace = null;
            bool isMatch;
            if (trace)
            {
                conditionTrace = context.Trace(rule.When);
                isMatch = conditionTrace.Matched;
            }
            else
            {
                isMatch = context.Matches(rule.When);
            }

            if (trace)
            {
                traces.Add((rule, isMatch, conditionTrace!));
            }

            if (!isMatch)
            {
                continue;
            }

            matched.Add((rule, conditionTrace));
            var auditOnly = globalAudit || rule.Mode == PolicyMode.AuditOnly;
            if (!auditOnly && Better(policy, rule, enforced))
            {
                enforced = rule;
            }

            if (Better(policy, rule, any))
            {
                any = rule;
            }
        }

        var full = Outcome(policy, request, any);
        DecisionOutcome applied;
        if (globalAudit)
        {
            applied = PassThrough(policy);
        }
        else
        {
            applied = enforced == any ? full : Outcome(policy, request, enforced);
        }

        var auditMatched = matched.Any(m => globalAudit || m.Rule.Mode == PolicyMode.AuditOnly);
        var wouldHave = auditMatched || globalAudit ? full : null;
        var mode = wouldHave is not null && wouldHave != applied ? PolicyMode.AuditOnly : PolicyMode.Enforce;

        var reasons = Reasons(policy, request, any, enforced, globalAudit, hits, userLabels);
        var decision = new PolicyDecision(
            request.Channel,
            applied,
            wouldHave,
            mode,
            Summarise(policy, hits),
            userLabels,
            request.Content.Unscannable,
            policy.Version,
            reasons);

        var ruleTraces = trace
            ? traces.Select(t => new RuleTrace(
                t.Rule.Name,
                t.Rule.Label,
                globalAudit || t.Rule.Mode == PolicyMode.AuditOnly,
                t.Matched,
                t.Trace,
                Role(policy, t.Rule, t.Matched, enforced, any, globalAudit))).ToList()
            : [];
        return new EvaluationTrace(decision, ruleTraces);
    }

    // Under first-match the earliest wins; under highest-label a strictly higher rank wins.
    private static bool Better(CompiledPolicy policy, RuleDefinition candidate, RuleDefinition? current) =>
        current is null
        || (policy.Semantics == RuleSemantics.HighestLabel
            && policy.LabelsByName[candidate.Label].Rank > policy.LabelsByName[current.Label].Rank);

    private static string Role(CompiledPolicy policy, RuleDefinition rule, bool matched, RuleDefinition? enforced, RuleDefinition? any, bool globalAudit)
    {
        if (!matched)
        {
            return "did not match";
        }

        if (rule == enforced)
        {
            return "decided";
        }

        if (rule == any)
        {
            return globalAudit ? "would have decided (the whole policy is audit-only)" : "would have decided (the rule is audit-only)";
        }

        return policy.Semantics == RuleSemantics.FirstMatch
            ? "matched, but an earlier rule had already matched (first-match)"
            : "matched, but a rule with an equal or more sensitive label decided (highest-label)";
    }

    private static DecisionOutcome Outcome(CompiledPolicy policy, ClassificationRequest request, RuleDefinition? rule)
    {
        var label = rule is null ? policy.DefaultLabel : policy.LabelsByName[rule.Label];
        var readers = rule?.Readers ?? label.Readers;
        var contact = policy.Organisation.BlockedMailContact;
        if (request.Channel == Channel.Mail)
        {
            var action = policy.MailActions[label.Name];
            var encrypts = action.Action is PolicyAction.Encrypt or PolicyAction.SignAndEncrypt;
            return new DecisionOutcome(
                label.Name,
                action.Action,
                KeyClass: null,
                rule?.Name,
                readers,
                AllowedStores: [],
                encrypts ? action.MissingCertificate : null,
                encrypts ? action.PlaceholderSubject ?? policy.Organisation.PlaceholderSubject : null,
                action.Action == PolicyAction.Block ? BlockMessage(rule, action.Reason, contact) : null);
        }

        var documentAction = policy.DocumentActions[label.Name];
        return new DecisionOutcome(
            label.Name,
            documentAction.Action,
            documentAction.Action == PolicyAction.Encrypt ? label.KeyClass : null,
            rule?.Name,
            readers,
            documentAction.Action == PolicyAction.Block ? [] : documentAction.Stores,
            MissingCertificate: null,
            PlaceholderSubject: null,
            documentAction.Action == PolicyAction.Block ? BlockMessage(rule, documentAction.Reason, contact) : null);
    }

    private static string BlockMessage(RuleDefinition? rule, string? actionReason, string contact)
    {
        var reason = rule?.Reason ?? actionReason ?? "Refused by the security policy.";
        var ruleName = rule is null ? string.Empty : $" (rule {rule.Name})";
        return $"{reason.TrimEnd()}{ruleName} Contact: {contact}";
    }

    // Audit-only for the whole policy: content passes unchanged, under the default label.
    private static DecisionOutcome PassThrough(CompiledPolicy policy) =>
        new(policy.DefaultLabel.Name, PolicyAction.Pass, null, null, policy.DefaultLabel.Readers, [], null, null, null);

    private static List<HonouredUserLabel> MapUserLabels(CompiledPolicy policy, IReadOnlyList<UserLabel> found)
    {
        var honoured = new List<HonouredUserLabel>();
        foreach (var userLabel in found)
        {
            var value = Clean(userLabel.Value);
            foreach (var mapping in policy.UserLabels)
            {
                if ((mapping.Source is null || string.Equals(mapping.Source, userLabel.Source, StringComparison.OrdinalIgnoreCase))
                    && mapping.Values.Any(v => Clean(v) == value || (userLabel.Id is { } id && Clean(v) == Clean(id))))
                {
                    honoured.Add(new HonouredUserLabel(userLabel.Source, userLabel.Value, userLabel.Location, mapping.Label));
                    break;
                }
            }
        }

        return honoured;

        static string Clean(string v) => TextMatching.Fold(v).Trim('[', ']', '(', ')', ' ');
    }

    private static List<DetectorHitSummary> Summarise(CompiledPolicy policy, Dictionary<string, List<DetectorHit>> hits)
    {
        var types = policy.CompiledDetectors.ToDictionary(d => d.Definition.Name, d => d.Definition.Type, StringComparer.Ordinal);
        return [.. hits
            .SelectMany(h => h.Value)
            .GroupBy(h => (h.Detector, h.Location))
            .Select(g => new DetectorHitSummary(g.Key.Detector, types[g.Key.Detector], g.Key.Location, g.Count(), g.Max(h => h.Confidence)))
            .OrderBy(s => s.Detector, StringComparer.Ordinal)
            .ThenBy(s => s.Location, StringComparer.Ordinal)];
    }

    private static List<string> Reasons(
        CompiledPolicy policy,
        ClassificationRequest request,
        RuleDefinition? any,
        RuleDefinition? enforced,
        bool globalAudit,
        Dictionary<string, List<DetectorHit>> hits,
        List<HonouredUserLabel> userLabels)
    {
        var reasons = new List<string>();
        if (any is null)
        {
            reasons.Add($"no rule matched: default label '{policy.DefaultLabel.Name}'");
        }
        else
        {
            reasons.Add($"rule '{any.Name}' gives label '{any.Label}'" + (any.Reason is null ? string.Empty : ": " + any.Reason));
        }

        if (globalAudit)
        {
            reasons.Add("the whole policy is audit-only: nothing is enforced, content passes unchanged");
        }
        else if (enforced != any)
        {
            reasons.Add(enforced is null
                ? $"rule '{any!.Name}' is audit-only: the default label '{policy.DefaultLabel.Name}' is applied instead"
                : $"rule '{any!.Name}' is audit-only: rule '{enforced.Name}' (label '{enforced.Label}') is applied instead");
        }

        foreach (var (detector, list) in hits.OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            reasons.Add($"detector '{detector}' fired {list.Count} time(s) in {string.Join(", ", list.Select(h => h.Location).Distinct())}");
        }

        foreach (var label in userLabels)
        {
            reasons.Add($"user label '{label.Value}' ({label.Source}, {label.Location}) maps to '{label.Label}'");
        }

        foreach (var part in request.Content.Unscannable)
        {
            reasons.Add($"could not scan {part.Location}: {part.Reason}");
        }

        return reasons;
    }
}
