using System.Globalization;
using System.Text;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// Comparisons the way officers expect them: case and accents do not matter
/// (<c>Très Secret</c> = <c>TRES SECRET</c>), domains cover their subdomains, paths use globs.
/// </summary>
internal static class TextMatching
{
    /// <summary>Lower-case, accents removed, runs of white space collapsed to one space, trimmed.</summary>
    public static string Fold(string value)
    {
        var decomposed = value.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        var space = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }

    public static bool EqualsFolded(string a, string b) => string.Equals(Fold(a), Fold(b), StringComparison.Ordinal);

    /// <summary>The domain of an address (<c>a@b.fr</c> → <c>b.fr</c>), lower case; empty when there is none.</summary>
    public static string DomainOf(string? address)
    {
        if (string.IsNullOrWhiteSpace(address))
        {
            return string.Empty;
        }

        var trimmed = address.Trim().TrimEnd('>');
        var at = trimmed.LastIndexOf('@');
        return at < 0 ? string.Empty : trimmed[(at + 1)..].ToLowerInvariant();
    }

    /// <summary>True when <paramref name="domain"/> is <paramref name="pattern"/> or one of its subdomains (a leading <c>*.</c> is accepted).</summary>
    public static bool DomainMatches(string domain, string pattern)
    {
        if (domain.Length == 0)
        {
            return false;
        }

        var p = pattern.StartsWith("*.", StringComparison.Ordinal) ? pattern[2..] : pattern;
        return domain.Equals(p, StringComparison.OrdinalIgnoreCase)
            || domain.EndsWith("." + p, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// Glob match for paths and MIME types: <c>*</c> matches within a segment (no <c>/</c>),
    /// <c>**</c> matches across segments, <c>?</c> one character; case-insensitive.
    /// </summary>
    public static bool GlobMatches(string value, string glob) =>
        GlobAt(value.AsSpan(), glob.AsSpan());

    private static bool GlobAt(ReadOnlySpan<char> value, ReadOnlySpan<char> glob)
    {
        while (glob.Length > 0)
        {
            if (glob.StartsWith("**"))
            {
                var rest = glob[2..];
                if (rest.StartsWith("/"))
                {
                    // "a/**/b" also matches "a/b".
                    if (GlobAt(value, rest[1..]))
                    {
                        return true;
                    }
                }

                for (var i = 0; i <= value.Length; i++)
                {
                    if (GlobAt(value[i..], rest))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (glob[0] == '*')
            {
                for (var i = 0; i <= value.Length; i++)
                {
                    if (GlobAt(value[i..], glob[1..]))
                    {
                        return true;
                    }

                    if (i < value.Length && value[i] == '/')
                    {
                        break;
                    }
                }

                return false;
            }

            if (value.Length == 0)
            {
                return false;
            }

            if (glob[0] != '?' && char.ToLowerInvariant(glob[0]) != char.ToLowerInvariant(value[0]))
            {
                return false;
            }

            if (glob[0] == '?' && value[0] == '/')
            {
                return false;
            }

            glob = glob[1..];
            value = value[1..];
        }

        return value.Length == 0;
    }
}
