using System.Text;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// Makes policy text (a rule's reason, written by security officers, often in French) fit an
/// SMTP reply: one line of printable US-ASCII (RFC 5321 §4.2; no SMTPUTF8 here), accents
/// folded (é → e, written out: the process runs with invariant globalization, so
/// <see cref="string.Normalize()"/> cannot decompose), typographic quotes and dashes mapped,
/// anything else replaced by <c>?</c>,
/// whitespace collapsed, and at most <see cref="MaxLength"/> characters so the whole reply line
/// stays under the 512-octet limit.
/// </summary>
internal static class ReplyText
{
    /// <summary>Longest reply text produced (the code and enhanced status take 10 more octets).</summary>
    public const int MaxLength = 400;

    public static string Sanitize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength + 8));
        var space = false;
        foreach (var c in text)
        {
            var mapped = Map(c);
            if (mapped == ' ')
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(mapped);
            if (builder.Length > MaxLength)
            {
                builder.Length = MaxLength - 3;
                builder.Append("...");
                break;
            }
        }

        return builder.ToString();
    }

    // Latin-1 and Latin Extended-A letters with diacritics, and their ASCII base letters.
    private const string Accented = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖØòóôõöøÙÚÛÜùúûüÝýÿŸ";
    private const string Unaccented = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOOooooooUUUUuuuuYyyY";

    private static char Map(char c) => c switch
    {
        >= '!' and <= '~' => c,
        _ when Accented.IndexOf(c, StringComparison.Ordinal) is >= 0 and var i => Unaccented[i],
        ' ' or '\t' or '\r' or '\n' or '\u00A0' or '\u202F' or '\u2009' => ' ',
        '\u2018' or '\u2019' or '\u201A' or '\u2032' => '\'',
        '\u201C' or '\u201D' or '\u201E' or '\u00AB' or '\u00BB' => '"',
        '\u2010' or '\u2011' or '\u2012' or '\u2013' or '\u2014' or '\u2212' => '-',
        '\u2026' => '.',
        '\u0152' => 'O',
        '\u0153' => 'o',
        '\u00C6' => 'A',
        '\u00E6' => 'a',
        '\u00DF' => 's',
        _ when char.IsWhiteSpace(c) || char.IsControl(c) => ' ',
        _ => '?',
    };
}
