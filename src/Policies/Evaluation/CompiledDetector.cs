using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// A policy detector ready to run: the detector built from the definition (which applies
/// context words and confidences itself), plus the policy's minimum confidence. Its
/// <see cref="MinCount"/> is applied over the whole content by <see cref="ContentScanner"/>.
/// </summary>
internal sealed class CompiledDetector : IDetector
{
    private readonly IDetector _detector;

    public CompiledDetector(DetectorDefinition definition, IDetector detector)
    {
        Definition = definition;
        _detector = detector;
    }

    public DetectorDefinition Definition { get; }

    public string Name => Definition.Name;

    public int MinCount => Definition.MinCount;

    /// <summary>The highest confidence a hit can have, when the policy states it; null when the detector decides.</summary>
    public double? MaxConfidence =>
        Definition.Confidence is not { } plain ? null
        : Definition.ContextWords.Count == 0 ? plain
        : Definition.ContextConfidence is { } withContext ? (Definition.RequireContext == true ? withContext : Math.Max(plain, withContext))
        : null;

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
            if (hit.Confidence + 1e-9 >= Definition.MinConfidence)
            {
                kept.Add(hit.Detector == Definition.Name ? hit : hit with { Detector = Definition.Name });
            }
        }

        return kept;
    }
}
