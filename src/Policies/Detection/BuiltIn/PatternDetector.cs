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
    /// The shape every candidate of <see cref="Candidates"/> has, when it is a number pattern
    /// (see <see cref="DigitRunShape"/>): the pattern then runs only over the runs of digits
    /// and separators that can hold a candidate. Null: the pattern runs over the whole text.
    /// </summary>
    protected virtual DigitRunShape? Shape => null;

    /// <summary>
    /// Validates a candidate at text[start..start+length]. Returns the accepted span (possibly
    /// shorter, never longer), or null to reject.
    /// </summary>
    protected abstract Candidate? Validate(string text, int start, int length);

    public IReadOnlyList<DetectorHit> Scan(string text, string location) => Scan(text, location, Shape) ?? (IReadOnlyList<DetectorHit>)[];

    /// <summary>
    /// Scans running the pattern over the whole text, as if the detector had no
    /// <see cref="Shape"/>: what tests compare the shaped scan with.
    /// </summary>
    internal IReadOnlyList<DetectorHit> ScanWithoutShape(string text, string location) => Scan(text, location, shape: null) ?? (IReadOnlyList<DetectorHit>)[];

    // Null when nothing was found (no list allocated for the common case).
    private List<DetectorHit>? Scan(string text, string location, DigitRunShape? shape)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<DetectorHit>? hits = null;
        var position = 0;
        var nonAsciiDigits = shape is not null && DigitRunShape.HasNonAsciiDigits(text);
        while (position < text.Length && TryMatch(Candidates, shape, nonAsciiDigits, text, position, out var index, out var length))
        {
            if (CheckBoundaries && index > 0 && char.IsLetterOrDigit(text[index - 1]))
            {
                // Inside a longer run of letters and digits: no start there can be bounded.
                position = AfterRun(text, index);
                continue;
            }

            var candidate = Validate(text, index, length);
            if (candidate is not { Length: > 0 } accepted || (CheckBoundaries && !IsBounded(text, accepted.Start, accepted.Length)))
            {
                position = CheckBoundaries ? AfterRun(text, index) : index + 1;
                continue;
            }

            position = accepted.Start + accepted.Length;
            var near = _context.HasWords && _context.IsNear(text, accepted.Start, accepted.Start + accepted.Length);
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

        return hits;
    }

    /// <summary>
    /// The first position after <paramref name="index"/> where a bounded candidate may start:
    /// one past the end of the run of letters and digits that <paramref name="index"/> is in.
    /// </summary>
    private static int AfterRun(string text, int index)
    {
        var i = index;
        while (i < text.Length && char.IsLetterOrDigit(text[i]))
        {
            i++;
        }

        return Math.Max(i, index) + 1;
    }

    /// <summary>Whether the span touches no letter or digit on either side.</summary>
    protected static bool IsBounded(string text, int start, int length)
    {
        var end = start + length;
        return (start == 0 || !char.IsLetterOrDigit(text[start - 1]))
            && (end >= text.Length || !char.IsLetterOrDigit(text[end]));
    }

    /// <summary>The first match of <paramref name="regex"/> that starts at or after <paramref name="start"/>.</summary>
    private static bool TryMatch(Regex regex, DigitRunShape? shape, bool nonAsciiDigits, string text, int start, out int index, out int length)
    {
        if (shape is null)
        {
            return TryMatch(regex, text.AsSpan(), start, out index, out length);
        }

        // Only runs that can hold a candidate; a match found in a run is the one the pattern
        // finds over the whole text (it cannot cross the run's end, see DigitRunShape).
        var position = start;
        while (shape.TryFindRun(text, position, nonAsciiDigits, out var runStart, out var runEnd))
        {
            if (TryMatch(regex, text.AsSpan(0, runEnd), runStart, out index, out length))
            {
                return true;
            }

            position = runEnd;
        }

        index = length = 0;
        return false;
    }

    private static bool TryMatch(Regex regex, ReadOnlySpan<char> text, int start, out int index, out int length)
    {
        foreach (var match in regex.EnumerateMatches(text, start))
        {
            index = match.Index;
            length = match.Length;
            return true;
        }

        index = length = 0;
        return false;
    }

    /// <summary>
    /// Options every built-in candidate pattern uses. Built-in patterns have no match timeout:
    /// they are linear (no nested or ambiguous quantifiers, every repetition bounded), so their
    /// time is bounded by the text's length, itself bounded by the extraction limits; timeout
    /// checks cost a clock read per search, i.e. per candidate (measured: ~3 % of detection).
    /// </summary>
    protected const RegexOptions PatternOptions =
        RegexOptions.Compiled | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
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
