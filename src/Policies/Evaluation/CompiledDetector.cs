using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// A policy detector ready to run: the raw detector plus the policy's own filters
/// (context words within a distance, minimum confidence). Minimum counts apply to the
/// whole mail or document and are checked by the evaluator.
/// </summary>
internal sealed class CompiledDetector
{
    private readonly IDetector _detector;

    public CompiledDetector(DetectorDefinition definition, IDetector detector)
    {
        Definition = definition;
        _detector = detector;
    }

    public DetectorDefinition Definition { get; }

    /// <summary>Hits in <paramref name="text"/> that pass the context and confidence filters, named after the policy detector.</summary>
    public IReadOnlyList<DetectorHit> Scan(string text, string location)
    {
        var raw = _detector.Scan(text, location);
        if (raw.Count == 0)
        {
            return raw;
        }

        var kept = new List<DetectorHit>(raw.Count);
        foreach (var hit in raw)
        {
            if (hit.Confidence + 1e-9 < Definition.MinConfidence)
            {
                continue;
            }

            if (Definition.ContextWords.Count > 0 && !HasContext(text, hit))
            {
                continue;
            }

            kept.Add(hit.Detector == Definition.Name ? hit : hit with { Detector = Definition.Name });
        }

        return kept;
    }

    private bool HasContext(string text, DetectorHit hit)
    {
        var distance = Definition.ContextDistance;
        var start = Math.Max(0, hit.Offset - distance);
        var end = Math.Min(text.Length, hit.Offset + hit.Length + distance);
        var window = text.AsSpan(start, end - start);
        foreach (var word in Definition.ContextWords)
        {
            if (TextMatching.ContainsIgnoringCaseAndAccents(window, word))
            {
                return true;
            }
        }

        return false;
    }
}
