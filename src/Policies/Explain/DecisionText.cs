using System.Globalization;
using System.Text;
using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Explain;

/// <summary>
/// Renders decisions for people: one block per decision for <c>policy test</c>, and a
/// step-by-step account for <c>policy explain</c>. Only policy terms, detector names,
/// locations, counts and domains appear — never matched values or message text.
/// </summary>
public static class DecisionText
{
    public static string Summary(PolicyDecision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var text = new StringBuilder();
        text.AppendLine(Outcome(decision.Applied) + $"  mode: {PolicyNames.Mode(decision.Mode)}");
        if (decision.WouldHave is { } would && would != decision.Applied)
        {
            text.AppendLine("  would have (audit-only): " + Outcome(would));
        }

        AppendDetails(text, decision.Outcome);
        if (decision.Hits.Count > 0)
        {
            text.AppendLine("  hits: " + string.Join(", ", decision.Hits.Select(h => $"{h.Detector} ×{h.Count} in {h.Location}")));
        }

        if (decision.UserLabels.Count > 0)
        {
            text.AppendLine("  user labels: " + string.Join(", ", decision.UserLabels.Select(l => $"{l.Source} '{l.Value}' → {l.Label}")));
        }

        if (decision.Unscannable.Count > 0)
        {
            text.AppendLine("  not scanned: " + string.Join(", ", decision.Unscannable.Select(u => $"{u.Location} ({u.Reason})")));
        }

        text.Append("  policy: " + decision.PolicyVersion);
        return text.ToString();
    }

    public static string Explanation(CompiledPolicy policy, ClassificationRequest request, EvaluationTrace trace, string sampleName)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(trace);
        var decision = trace.Decision;
        var text = new StringBuilder();
        text.AppendLine($"Policy '{policy.Name}' {policy.Version}");
        text.AppendLine($"  evaluation: {PolicyNames.Semantics(policy.Semantics)}, mode: {PolicyNames.Mode(policy.Mode)}, default label: {policy.DefaultLabel.Name}");
        text.AppendLine();

        text.AppendLine($"1. Sample {sampleName}: {PolicyNames.Channel(request.Channel)}");
        if (request.Channel == Channel.Mail)
        {
            text.AppendLine($"   sender domain: {Or(TextMatching.DomainOf(request.Sender))}; recipient domains: {Or(string.Join(", ", request.Recipients.Select(TextMatching.DomainOf).Distinct()))}");
        }
        else
        {
            text.AppendLine($"   path: {Or(request.DocumentPath)}; content type: {Or(request.ContentType)}");
        }

        text.AppendLine();
        text.AppendLine($"2. Content: {request.Content.Parts.Count} part(s) scanned, {request.Content.Attachments.Count} attachment(s)");
        foreach (var part in request.Content.Parts)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"   - {part.Location} ({part.ContentType}, {part.Text.Length} characters)");
        }

        foreach (var part in decision.Unscannable)
        {
            text.AppendLine($"   - NOT SCANNED {part.Location}: {part.Reason} — {part.Detail}");
        }

        text.AppendLine();
        text.AppendLine("3. Detectors");
        foreach (var detector in policy.Detectors)
        {
            var hits = decision.Hits.Where(h => h.Detector == detector.Name).ToList();
            text.AppendLine(hits.Count == 0
                ? $"   - {detector.Name} ({detector.Type}): no hit" + (detector.MinCount > 1 ? $" (or fewer than its min-count {detector.MinCount})" : string.Empty)
                : $"   - {detector.Name} ({detector.Type}): " + string.Join(", ", hits.Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Count} in {h.Location} (confidence up to {h.MaxConfidence:0.##})"))));
        }

        text.AppendLine();
        text.AppendLine("4. Labels set by users");
        if (request.Content.UserLabels.Count == 0)
        {
            text.AppendLine("   none found");
        }

        foreach (var found in request.Content.UserLabels)
        {
            var honoured = decision.UserLabels.FirstOrDefault(l => l.Source == found.Source && l.Value == found.Value && l.Location == found.Location);
            text.AppendLine($"   - {found.Source} '{found.Value}' in {found.Location}: " + (honoured is null ? "not mapped by the policy (ignored)" : $"maps to '{honoured.Label}'"));
        }

        text.AppendLine();
        text.AppendLine($"5. Rules ({PolicyNames.Semantics(policy.Semantics)})");
        var number = 0;
        foreach (var rule in trace.Rules)
        {
            number++;
            var mode = rule.AuditOnly ? " [audit-only]" : string.Empty;
            text.AppendLine($"   [{number}] {rule.Rule} → {rule.Label}{mode}: {rule.Role}");
            AppendCondition(text, rule.Condition, "        ");
        }

        text.AppendLine();
        text.AppendLine("6. Decision");
        foreach (var line in Summary(decision).Split('\n'))
        {
            text.AppendLine("   " + line.TrimEnd('\r'));
        }

        foreach (var reason in decision.Reasons)
        {
            text.AppendLine("   - " + reason);
        }

        return text.ToString();
    }

    private static void AppendCondition(StringBuilder text, ConditionTrace condition, string indent)
    {
        var mark = condition.Matched ? "✓" : "✗";
        var detail = condition.Detail is null ? string.Empty : $" — {condition.Detail}";
        text.AppendLine($"{indent}{mark} {condition.Description}{detail}");
        foreach (var child in condition.Children)
        {
            AppendCondition(text, child, indent + "  ");
        }
    }

    private static string Outcome(DecisionOutcome outcome) =>
        $"label: {outcome.Label}  action: {PolicyNames.Action(outcome.Action)}  rule: {outcome.Rule ?? "(default)"}";

    private static void AppendDetails(StringBuilder text, DecisionOutcome outcome)
    {
        if (outcome.KeyClass is not null)
        {
            text.AppendLine("  key class: " + outcome.KeyClass);
        }

        if (!outcome.Readers.IsEmpty)
        {
            text.AppendLine("  readers: " + string.Join(", ", outcome.Readers.Groups.Select(g => "group " + g).Concat(outcome.Readers.Subjects)));
        }

        if (outcome.AllowedStores.Count > 0)
        {
            text.AppendLine("  stores: " + string.Join(", ", outcome.AllowedStores));
        }

        if (outcome.MissingCertificate is { } missing)
        {
            text.AppendLine($"  recipient without certificate: {PolicyNames.MissingCertificate(missing)}; subject seen by the provider: \"{outcome.PlaceholderSubject}\"");
        }

        if (outcome.BlockMessage is not null)
        {
            text.AppendLine("  message to the sender: " + outcome.BlockMessage);
        }
    }

    private static string Or(string? value) => string.IsNullOrEmpty(value) ? "(none)" : value;
}
