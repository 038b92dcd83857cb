using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Extraction.Labels;

/// <summary>
/// French protection markings written in a subject, a body or a document (IGI 1300 levels
/// and the "Diffusion Restreinte" mention), normalised to one spelling each:
/// <list type="table">
/// <item><term>Très Secret</term><description>"très secret", "TRES SECRET", any case, with or without accent.</description></item>
/// <item><term>Secret</term><description>"SECRET" in capitals, or "Secret" in any case when it is alone on its line or in brackets; never "secret" in running prose ("le secret professionnel").</description></item>
/// <item><term>Secret Défense</term><description>the level before 2021, any case.</description></item>
/// <item><term>Confidentiel Défense</term><description>the level before 2021, any case.</description></item>
/// <item><term>Diffusion Restreinte</term><description>the full phrase, any case; the abbreviation "DR" is not a marking (too many other meanings).</description></item>
/// </list>
/// </summary>
internal static partial class Markings
{
    /// <summary>The <see cref="UserLabel.Source"/> of markings.</summary>
    public const string Source = "marking";

    public const string TresSecret = "Très Secret";
    public const string Secret = "Secret";
    public const string SecretDefense = "Secret Défense";
    public const string ConfidentielDefense = "Confidentiel Défense";
    public const string DiffusionRestreinte = "Diffusion Restreinte";

    /// <summary>The distinct markings in <paramref name="text"/>, in order of first appearance.</summary>
    public static IReadOnlyList<string> Find(string text)
    {
        List<string>? found = null;
        foreach (var match in MarkingPattern().EnumerateMatches(text))
        {
            var value = Classify(text, match.Index, match.Length);
            if (value is not null && (found is null || !found.Contains(value)))
            {
                (found ??= []).Add(value);
            }
        }

        return found ?? (IReadOnlyList<string>)[];
    }

    private static string? Classify(string text, int index, int length)
    {
        var span = text.AsSpan(index, length);
        var first = char.ToLowerInvariant(span[0]);
        if (first == 'd')
        {
            return DiffusionRestreinte;
        }

        if (first == 'c')
        {
            return ConfidentielDefense;
        }

        if (first == 't')
        {
            return TresSecret;
        }

        if (span.Length > "secret".Length)
        {
            return SecretDefense;
        }

        // A lone "secret": capitals, or set apart on its own line or in brackets.
        if (span.SequenceEqual("SECRET"))
        {
            return Secret;
        }

        var before = LineOrBracketEdgeBefore(text, index);
        var after = LineOrBracketEdgeAfter(text, index + length);
        return before && after ? Secret : null;
    }

    private static bool LineOrBracketEdgeBefore(string text, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            var c = text[i];
            if (c is '\n' or '\r' or '[' or '(')
            {
                return true;
            }

            if (c is not (' ' or '\t' or '-' or '*' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool LineOrBracketEdgeAfter(string text, int index)
    {
        for (var i = index; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r' or ']' or ')')
            {
                return true;
            }

            if (c is not (' ' or '\t' or '-' or '*' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex(@"\b(?:tr[eèé]s\s+secret|secret\s+d[eéè]fense|confidentiel\s+d[eéè]fense|diffusion\s+restreinte|secret)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex MarkingPattern();
}
