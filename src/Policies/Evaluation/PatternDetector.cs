using System.Text;
using System.Text.RegularExpressions;
using Sovereignty.Policies.Detection;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// A policy-defined detector backed by one regular expression: either the officer's own
/// pattern or a keyword list turned into one. Every hit gets the configured confidence.
/// Patterns run with a timeout so a pathological expression cannot stall a relay thread;
/// a timeout is reported as a hit-less scan of that part rather than a crash.
/// </summary>
internal sealed class PatternDetector : IDetector
{
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private readonly Regex _regex;
    private readonly double _confidence;

    public PatternDetector(string name, Regex regex, double confidence)
    {
        Name = name;
        _regex = regex;
        _confidence = confidence;
    }

    public string Name { get; }

    public static Regex CompileRegex(string pattern) =>
        new(pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled, MatchTimeout);

    /// <summary>
    /// Keywords match whole words, ignoring case, with accented and plain letters
    /// interchangeable (<c>securite</c> finds <c>Sécurité</c>) and any run of white space
    /// between the words of a phrase.
    /// </summary>
    public static Regex CompileKeywords(IEnumerable<string> keywords)
    {
        var alternatives = keywords
            .Select(TextMatching.Fold)
            .Where(k => k.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(k => k.Length)
            .Select(KeywordPattern);
        var pattern = @"(?<!\w)(?:" + string.Join("|", alternatives) + @")(?!\w)";
        return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Compiled, MatchTimeout);
    }

    public IReadOnlyList<DetectorHit> Scan(string text, string location)
    {
        List<DetectorHit>? hits = null;
        try
        {
            for (var match = _regex.Match(text); match.Success; match = match.NextMatch())
            {
                if (match.Length == 0)
                {
                    continue;
                }

                (hits ??= []).Add(new DetectorHit(Name, location, match.Index, match.Length, _confidence));
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Keep what was found before the timeout; the decision still lists those hits.
        }

        return hits ?? (IReadOnlyList<DetectorHit>)[];
    }

    private static string KeywordPattern(string folded)
    {
        var builder = new StringBuilder();
        foreach (var c in folded)
        {
            builder.Append(c switch
            {
                'a' => "[aàâä]",
                'e' => "[eéèêë]",
                'i' => "[iîï]",
                'o' => "[oôö]",
                'u' => "[uùûü]",
                'c' => "[cç]",
                'y' => "[yÿ]",
                ' ' => @"\s+",
                _ => Regex.Escape(c.ToString()),
            });
        }

        return builder.ToString();
    }
}
