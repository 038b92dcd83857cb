using System.Text;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// Reads the text-showing operators of one decoded PDF content stream into a builder, in
/// content order: <c>Tj</c>, <c>'</c> and <c>"</c> show a string, <c>TJ</c> an array of strings
/// and kerning (a gap wider than 0.18 em becomes a space, as producers that set words apart
/// by kerning alone — TeX — would otherwise run words together); line moves (<c>Td</c>,
/// <c>TD</c>, <c>T*</c>, <c>Tm</c>, <c>ET</c>) become a line break or a space. Inline images are
/// skipped. Everything else is ignored.
/// </summary>
internal static class ContentStreamText
{
    // Kerning in TJ arrays is in thousandths of an em; below this it is a word gap.
    private const double WordGap = -180;

    /// <summary>Appends the stream's text to <paramref name="output"/>; returns how many text operators were read.</summary>
    public static int Read(ReadOnlySpan<byte> stream, StringBuilder output, char[] encoding)
    {
        var operators = 0;
        var pending = new StringBuilder();
        double last = 0, beforeLast = 0;
        var inArray = false;
        var i = 0;
        while (i < stream.Length)
        {
            var b = stream[i];
            switch (b)
            {
                case (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0:
                    i++;
                    break;
                case (byte)'%':
                    while (i < stream.Length && stream[i] is not ((byte)'\n' or (byte)'\r'))
                    {
                        i++;
                    }

                    break;
                case (byte)'(':
                    i = ReadLiteral(stream, i + 1, pending, encoding);
                    break;
                case (byte)'<' when i + 1 < stream.Length && stream[i + 1] == '<':
                    i += 2; // dictionary operand (marked content properties): its tokens are read and ignored
                    break;
                case (byte)'>' when i + 1 < stream.Length && stream[i + 1] == '>':
                    i += 2;
                    break;
                case (byte)'<':
                    i = ReadHex(stream, i + 1, pending, encoding);
                    break;
                case (byte)'[':
                    inArray = true;
                    i++;
                    break;
                case (byte)']':
                    inArray = false;
                    i++;
                    break;
                case (byte)'/':
                    i++;
                    while (i < stream.Length && !IsDelimiterOrWhite(stream[i]))
                    {
                        i++;
                    }

                    break;
                case (byte)'+' or (byte)'-' or (byte)'.' or (>= (byte)'0' and <= (byte)'9'):
                {
                    var start = i;
                    i++;
                    while (i < stream.Length && (stream[i] is (byte)'.' or (>= (byte)'0' and <= (byte)'9')))
                    {
                        i++;
                    }

                    var number = ParseNumber(stream[start..i]);
                    if (inArray && number < WordGap && pending.Length > 0 && pending[^1] != ' ')
                    {
                        pending.Append(' ');
                    }

                    beforeLast = last;
                    last = number;
                    break;
                }

                default:
                {
                    var start = i;
                    while (i < stream.Length && !IsDelimiterOrWhite(stream[i]))
                    {
                        i++;
                    }

                    if (i == start)
                    {
                        i++; // a stray delimiter
                        break;
                    }

                    var op = stream[start..i];
                    if (op.SequenceEqual("BI"u8))
                    {
                        i = SkipInlineImage(stream, i);
                    }
                    else if (op.SequenceEqual("Tj"u8) || op.SequenceEqual("TJ"u8))
                    {
                        operators++;
                        output.Append(pending);
                    }
                    else if (op.SequenceEqual("'"u8) || op.SequenceEqual("\""u8))
                    {
                        operators++;
                        LineBreak(output);
                        output.Append(pending);
                    }
                    else if (op.SequenceEqual("Td"u8) || op.SequenceEqual("TD"u8))
                    {
                        if (last != 0)
                        {
                            LineBreak(output);
                        }
                        else if (beforeLast != 0)
                        {
                            Space(output);
                        }
                    }
                    else if (op.SequenceEqual("T*"u8) || op.SequenceEqual("Tm"u8) || op.SequenceEqual("ET"u8))
                    {
                        LineBreak(output);
                    }

                    pending.Clear();
                    break;
                }
            }
        }

        return operators;
    }

    private static void LineBreak(StringBuilder output)
    {
        if (output.Length > 0 && output[^1] != '\n')
        {
            output.Append('\n');
        }
    }

    private static void Space(StringBuilder output)
    {
        if (output.Length > 0 && output[^1] is not (' ' or '\n'))
        {
            output.Append(' ');
        }
    }

    /// <summary>A literal string from after its '(' (nested parentheses, escapes); returns the index after its ')'.</summary>
    private static int ReadLiteral(ReadOnlySpan<byte> s, int i, StringBuilder pending, char[] encoding)
    {
        var depth = 1;
        while (i < s.Length)
        {
            var b = s[i++];
            if (b == '\\' && i < s.Length)
            {
                var e = s[i++];
                switch (e)
                {
                    case (byte)'n': pending.Append('\n'); break;
                    case (byte)'r': pending.Append('\r'); break;
                    case (byte)'t': pending.Append('\t'); break;
                    case (byte)'b': pending.Append('\b'); break;
                    case (byte)'f': pending.Append('\f'); break;
                    case (byte)'\r':
                        if (i < s.Length && s[i] == '\n')
                        {
                            i++;
                        }

                        break; // line continuation
                    case (byte)'\n':
                        break;
                    case >= (byte)'0' and <= (byte)'7':
                    {
                        var value = e - '0';
                        for (var k = 0; k < 2 && i < s.Length && s[i] is >= (byte)'0' and <= (byte)'7'; k++)
                        {
                            value = (value * 8) + (s[i++] - '0');
                        }

                        pending.Append(encoding[value & 0xFF]);
                        break;
                    }

                    default: pending.Append(encoding[e]); break; // \( \) \\ and unknown escapes: the character itself
                }

                continue;
            }

            if (b == '(')
            {
                depth++;
            }
            else if (b == ')' && --depth == 0)
            {
                return i;
            }

            pending.Append(encoding[b]);
        }

        return i;
    }

    /// <summary>A hex string from after its '&lt;'; returns the index after its '&gt;'.</summary>
    private static int ReadHex(ReadOnlySpan<byte> s, int i, StringBuilder pending, char[] encoding)
    {
        var high = -1;
        while (i < s.Length)
        {
            var b = s[i++];
            if (b == '>')
            {
                break;
            }

            var digit = HexValue(b);
            if (digit < 0)
            {
                continue; // white space inside hex strings is allowed
            }

            if (high < 0)
            {
                high = digit;
            }
            else
            {
                pending.Append(encoding[(high << 4) | digit]);
                high = -1;
            }
        }

        if (high >= 0)
        {
            pending.Append(encoding[high << 4]); // an odd final digit is followed by an implicit 0
        }

        return i;
    }

    /// <summary>Skips "ID binary EI" of an inline image; returns the index after EI.</summary>
    private static int SkipInlineImage(ReadOnlySpan<byte> s, int i)
    {
        var id = s[i..].IndexOf("ID"u8);
        if (id < 0)
        {
            return s.Length;
        }

        i += id + 2;
        while (i + 2 <= s.Length)
        {
            var ei = s[i..].IndexOf("EI"u8);
            if (ei < 0)
            {
                return s.Length;
            }

            i += ei;
            var before = i > 0 && IsWhite(s[i - 1]);
            var after = i + 2 >= s.Length || IsDelimiterOrWhite(s[i + 2]);
            i += 2;
            if (before && after)
            {
                return i;
            }
        }

        return s.Length;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static double ParseNumber(ReadOnlySpan<byte> s)
    {
        var negative = false;
        var i = 0;
        if (i < s.Length && s[i] is (byte)'+' or (byte)'-')
        {
            negative = s[i] == '-';
            i++;
        }

        double value = 0;
        double scale = 0;
        for (; i < s.Length; i++)
        {
            if (s[i] == '.')
            {
                scale = 1;
                continue;
            }

            value = (value * 10) + (s[i] - '0');
            scale *= 10;
        }

        if (scale > 1)
        {
            value /= scale;
        }

        return negative ? -value : value;
    }

    private static bool IsWhite(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0;

    private static bool IsDelimiterOrWhite(byte b) =>
        IsWhite(b) || b is (byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']' or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%';
}
