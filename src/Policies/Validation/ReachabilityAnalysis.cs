using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Validation;

/// <summary>
/// Finds conditions that can never be true (contradictions, empty alternatives, thresholds
/// a detector cannot reach) and catch-alls that are always true. Deliberately conservative:
/// it only reports what is certain, so a reported rule really is dead.
/// </summary>
internal static class ReachabilityAnalysis
{
    public static bool AlwaysMatches(Condition condition) => condition switch
    {
        AlwaysCondition => true,
        AllCondition all => all.Conditions.Count > 0 && all.Conditions.All(AlwaysMatches),
        AnyCondition any => any.Conditions.Any(AlwaysMatches),
        NotCondition not => NeverMatches(not.Inner, null) is not null,
        _ => false,
    };

    /// <summary>Why <paramref name="condition"/> can never be true, or null when it can.</summary>
    public static string? NeverMatches(Condition condition, IReadOnlyDictionary<string, CompiledDetector>? detectors)
    {
        switch (condition)
        {
            case AnyCondition any:
                if (any.Conditions.Count == 0)
                {
                    return $"'any' at {any.At} has no conditions";
                }

                var reasons = any.Conditions.Select(c => NeverMatches(c, detectors)).ToList();
                return reasons.All(r => r is not null) ? string.Join("; ", reasons) : null;
            case AllCondition all:
                foreach (var c in all.Conditions)
                {
                    if (NeverMatches(c, detectors) is { } inner)
                    {
                        return inner;
                    }
                }

                return Contradiction(Flatten(all));
            case NotCondition not:
                return AlwaysMatches(not.Inner) ? $"'not' at {not.At} negates a condition that is always true" : null;
            case DetectorCondition d when detectors is not null && detectors.TryGetValue(d.Detector, out var detector):
                return detector.MaxConfidence is { } max && d.MinConfidence > max + 1e-9
                    ? $"it asks detector '{d.Detector}' for confidence >= {d.MinConfidence} at {d.At}, but that detector's hits have confidence at most {max}"
                    : null;
            default:
                return null;
        }
    }

    private static List<Condition> Flatten(AllCondition all)
    {
        var result = new List<Condition>();
        foreach (var c in all.Conditions)
        {
            if (c is AllCondition nested)
            {
                result.AddRange(Flatten(nested));
            }
            else
            {
                result.Add(c);
            }
        }

        return result;
    }

    private static string? Contradiction(List<Condition> atoms)
    {
        for (var i = 0; i < atoms.Count; i++)
        {
            for (var j = i + 1; j < atoms.Count; j++)
            {
                if (Contradicts(atoms[i], atoms[j]) || Contradicts(atoms[j], atoms[i]))
                {
                    return $"'{atoms[i].Describe()}' ({atoms[i].At}) and '{atoms[j].Describe()}' ({atoms[j].At}) cannot both be true";
                }
            }
        }

        return null;
    }

    private static bool Contradicts(Condition a, Condition b) => (a, b) switch
    {
        (NotCondition n, _) => n.Inner.Describe() == b.Describe() && n.Inner is not (AllCondition or AnyCondition),
        (SenderInternalCondition x, SenderInternalCondition y) => x.Internal != y.Internal,
        (RecipientsCondition x, RecipientsCondition y) => x.AnyExternal != y.AnyExternal,
        (ChannelCondition x, ChannelCondition y) => x.Channel != y.Channel,
        (UnscannableCondition x, UnscannableCondition y) => x.Unscannable != y.Unscannable,

        // Paths only exist for documents; recipients only for mail.
        (PathCondition, ChannelCondition c) => c.Channel == Channel.Mail,
        (RecipientsCondition or RecipientDomainCondition, ChannelCondition c) => c.Channel == Channel.Document,
        _ => false,
    };
}
