using System.Text;
using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Turns keyword and context phrases into one regular expression that finds them as whole
/// words, ignoring case and French accents, with any run of white space between words and
/// either apostrophe. Matching the original text keeps offsets exact (no folded copy).
/// </summary>
internal static class PhrasePattern
{
    /// <summary>Builds a non-backtracking regex for <paramref name="phrases"/>, or null when there are none.</summary>
    public static Regex? Build(IEnumerable<string> phrases, TimeSpan matchTimeout)
    {
        var alternatives = phrases
            .Select(p => p.Trim())
            .Where(p => p.Length > 0)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(ToPattern)
            .ToList();
        if (alternatives.Count == 0)
        {
            return null;
        }

        return new Regex(
            string.Join('|', alternatives),
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking,
            matchTimeout);
    }

    /// <summary>The pattern of one phrase, with word boundaries where its ends are word characters.</summary>
    internal static string ToPattern(string phrase)
    {
        var builder = new StringBuilder();
        if (IsWordChar(phrase[0]))
        {
            builder.Append(@"\b");
        }

        var previousWasSpace = false;
        foreach (var c in phrase)
        {
            if (char.IsWhiteSpace(c))
            {
                if (!previousWasSpace)
                {
                    builder.Append(@"\s+");
                }

                previousWasSpace = true;
                continue;
            }

            previousWasSpace = false;
            builder.Append(CharClass(c));
        }

        if (IsWordChar(phrase[^1]))
        {
            builder.Append(@"\b");
        }

        return "(?:" + builder + ")";
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static string CharClass(char c)
    {
        var folded = TextFolding.Fold(c);
        var variants = folded switch
        {
            'a' => "aàâäáã",
            'c' => "cç",
            'e' => "eéèêë",
            'i' => "iîïíì",
            'o' => "oôöóò",
            'u' => "uùûüú",
            'y' => "yÿ",
            'n' => "nñ",
            '\'' => "'’`",
            _ => null,
        };
        return variants is null ? Regex.Escape(c.ToString()) : "[" + variants + "]";
    }
}
