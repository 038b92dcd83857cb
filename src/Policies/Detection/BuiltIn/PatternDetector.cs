using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// A candidate pattern followed by a validation algorithm: the shape every built-in detector
/// shares. The pattern only finds candidates (it is linear: no nested ambiguous quantifiers);
/// the validation decides. A candidate must not touch a letter or digit on either side, so a
/// number inside a longer run of digits never matches. A rejected candidate is retried one
/// character further, so a valid number right after a near miss is still found.
/// </summary>
internal abstract class PatternDetector : IDetector
{
    private readonly ContextRule _context;
    private readonly bool _requireContext;
    private readonly double _confidence;
    private readonly double _contextConfidence;

    protected PatternDetector(string type, DetectorSettings settings, BuiltInProfile profile)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Name = settings.Name ?? type;
        MinCount = settings.MinCount;
        _context = new ContextRule(
            profile.ContextWords.Concat(settings.ContextWords),
            settings.ContextDistance,
            settings.ContextUnit,
            settings.MatchTimeout);
        _requireContext = settings.RequireContext ?? profile.RequiresContext;
        _confidence = settings.Confidence ?? profile.Confidence;
        _contextConfidence = settings.ContextConfidence ?? Math.Max(_confidence, profile.ContextConfidence);
        PatternOnlyFactor = profile.PatternOnlyFactor;
    }

    public string Name { get; }

    public int MinCount { get; }

    /// <summary>How much a candidate that passed the pattern but has no checksum to verify keeps of the confidence.</summary>
    private double PatternOnlyFactor { get; }

    /// <summary>The pattern that finds candidates.</summary>
    protected abstract Regex Candidates { get; }

    /// <summary>Whether hits must not touch letters or digits on either side.</summary>
    protected virtual bool CheckBoundaries => true;

    /// <summary>
    /// Validates a candidate at text[start..start+length]. Returns the accepted span (possibly
    /// shorter, never longer), or null to reject.
    /// </summary>
    protected abstract Candidate? Validate(string text, int start, int length);

    public IReadOnlyList<DetectorHit> Scan(string text, string location)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<DetectorHit>? hits = null;
        ContextRule.Occurrences? context = null;
        if (_requireContext)
        {
            // Nothing can match without context: one pass for the context words decides.
            context = _context.Index(text);
            if (!context.Any)
            {
                return [];
            }
        }

        var position = 0;
        while (position < text.Length && TryMatch(Candidates, text, position, out var index, out var length))
        {
            var candidate = Validate(text, index, length);
            if (candidate is not { Length: > 0 } accepted || (CheckBoundaries && !IsBounded(text, accepted.Start, accepted.Length)))
            {
                position = index + 1;
                continue;
            }

            position = accepted.Start + accepted.Length;
            var near = false;
            if (_context.HasWords)
            {
                context ??= _context.Index(text);
                near = context.IsNear(accepted.Start, accepted.Start + accepted.Length);
            }

            if (_requireContext && !near)
            {
                continue;
            }

            var confidence = near ? _contextConfidence : _confidence;
            if (accepted.PatternOnly)
            {
                confidence *= PatternOnlyFactor;
            }

            (hits ??= []).Add(new DetectorHit(Name, location, accepted.Start, accepted.Length, Math.Round(confidence, 3)));
        }

        return hits ?? (IReadOnlyList<DetectorHit>)[];
    }

    /// <summary>Whether the span touches no letter or digit on either side.</summary>
    protected static bool IsBounded(string text, int start, int length)
    {
        var end = start + length;
        return (start == 0 || !char.IsLetterOrDigit(text[start - 1]))
            && (end >= text.Length || !char.IsLetterOrDigit(text[end]));
    }

    private static bool TryMatch(Regex regex, string text, int start, out int index, out int length)
    {
        foreach (var match in regex.EnumerateMatches(text.AsSpan(), start))
        {
            index = match.Index;
            length = match.Length;
            return true;
        }

        index = length = 0;
        return false;
    }

    /// <summary>Options every built-in candidate pattern uses.</summary>
    protected const RegexOptions PatternOptions =
        RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    /// <summary>Built-in patterns are linear; the timeout is a backstop.</summary>
    protected static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(2);
}

/// <summary>An accepted span; <paramref name="PatternOnly"/> when no checksum could confirm it.</summary>
internal readonly record struct Candidate(int Start, int Length, bool PatternOnly = false);

/// <summary>The defaults of one built-in detector, written in docs/detectors.md.</summary>
internal sealed record BuiltInProfile(
    double Confidence,
    double ContextConfidence,
    IReadOnlyList<string> ContextWords,
    bool RequiresContext = false,
    double PatternOnlyFactor = 0.6);
