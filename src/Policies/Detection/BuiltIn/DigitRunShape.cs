using System.Buffers;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// What every candidate of a number pattern looks like: it starts with a decimal digit (what
/// <c>\d</c> matches: any Unicode <c>Nd</c> character), consists only of digits and the given
/// separators, and holds at least a minimum number of digits. Text is mostly words with short
/// numbers (amounts, dates) that cannot hold such a candidate: finding the runs of digits and
/// separators that can is much cheaper than running the pattern at every digit of the text.
/// <see cref="AlphaNumeric"/> is the same for candidates of digits and capital letters.
/// </summary>
/// <remarks>
/// A match of such a pattern lies inside one maximal run of digits and separators (the
/// character that ends the run is one it cannot consume), so running the pattern only over
/// the runs that hold enough digits finds exactly the matches it finds over the whole text.
/// The pattern must not look outside its match (no anchors, boundaries or lookarounds).
/// </remarks>
internal sealed class DigitRunShape
{
    // The first decimal digit after '9' in UTF-16 order (ARABIC-INDIC DIGIT ZERO): accented
    // Latin letters, which French text is full of, are below it.
    private const char FirstNonAsciiDigit = '\u0660';

    private readonly SearchValues<char> _separators;

    // Characters a candidate may start with (ASCII digits, and letters when they count), and
    // the ASCII characters that it may not: what is skipped with vectorised search when the
    // text also has digits outside ASCII (a non-ASCII character is then tested on its own).
    private readonly SearchValues<char> _asciiStarts;
    private readonly SearchValues<char> _asciiNonStarts;
    private readonly bool _separatorsCount;

    /// <param name="separators">Characters other than digits a candidate may contain.</param>
    /// <param name="minDigits">The fewest digits a candidate holds.</param>
    public DigitRunShape(string separators, int minDigits)
        : this(separators, minDigits, separatorsCount: false)
    {
    }

    private DigitRunShape(string separators, int minDigits, bool separatorsCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minDigits, 1);
        if (separators.Any(char.IsDigit) || (separatorsCount && !separators.All(char.IsAscii)))
        {
            throw new ArgumentException("Separators must not be digits; letters that count must be ASCII.", nameof(separators));
        }

        _separators = SearchValues.Create(separators);
        _separatorsCount = separatorsCount;
        var starts = "0123456789" + (separatorsCount ? separators : string.Empty);
        _asciiStarts = SearchValues.Create(starts);
        _asciiNonStarts = SearchValues.Create([.. Enumerable.Range(0, 128).Select(c => (char)c).Where(c => !starts.Contains(c, StringComparison.Ordinal))]);
        MinDigits = minDigits;
    }

    /// <summary>The fewest digits a candidate holds (digits and letters, for <see cref="AlphaNumeric"/>).</summary>
    public int MinDigits { get; }

    /// <summary>
    /// The shape of candidates made of digits and <paramref name="letters"/> (ASCII), which may
    /// start with either, and are at least <paramref name="minLength"/> characters long.
    /// </summary>
    public static DigitRunShape AlphaNumeric(string letters, int minLength) => new(letters, minLength, separatorsCount: true);

    /// <summary>
    /// Whether <paramref name="text"/> holds a decimal digit outside ASCII (Arabic-Indic,
    /// Devanagari, full-width…). Text that does not is searched for ASCII digits only, with one
    /// vectorised search instead of a test of every accented letter.
    /// </summary>
    public static bool HasNonAsciiDigits(string text)
    {
        var position = 0;
        while (position < text.Length)
        {
            var found = text.AsSpan(position).IndexOfAnyInRange(FirstNonAsciiDigit, char.MaxValue);
            if (found < 0)
            {
                return false;
            }

            position += found;
            if (char.IsDigit(text[position]))
            {
                return true;
            }

            position++;
        }

        return false;
    }

    /// <summary>
    /// Finds the first run of digits and separators that starts with a digit at or after
    /// <paramref name="start"/> and holds at least <see cref="MinDigits"/> digits: a candidate
    /// found from <paramref name="start"/> starts in [<paramref name="runStart"/>, <paramref name="runEnd"/>)
    /// and ends by <paramref name="runEnd"/>. False when the rest of the text has no such run.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <param name="start">Where the search starts.</param>
    /// <param name="nonAsciiDigits">What <see cref="HasNonAsciiDigits"/> says of <paramref name="text"/>.</param>
    /// <param name="runStart">The run's first digit.</param>
    /// <param name="runEnd">The end of the run (exclusive).</param>
    public bool TryFindRun(string text, int start, bool nonAsciiDigits, out int runStart, out int runEnd)
    {
        var position = start;
        while (position < text.Length)
        {
            var digit = nonAsciiDigits ? NextStart(text, position) : NextAsciiStart(text, position);
            if (digit < 0)
            {
                break;
            }

            var digits = 0;
            var end = digit;
            while (end < text.Length)
            {
                var c = text[end];
                if (char.IsDigit(c))
                {
                    digits++;
                }
                else if (!_separators.Contains(c))
                {
                    break;
                }
                else if (_separatorsCount)
                {
                    digits++;
                }

                end++;
            }

            if (digits >= MinDigits)
            {
                runStart = digit;
                runEnd = end;
                return true;
            }

            position = end;
        }

        runStart = runEnd = text.Length;
        return false;
    }

    private int NextAsciiStart(string text, int position)
    {
        var found = text.AsSpan(position).IndexOfAny(_asciiStarts);
        return found < 0 ? -1 : position + found;
    }

    private int NextStart(string text, int position)
    {
        while (position < text.Length)
        {
            var found = text.AsSpan(position).IndexOfAnyExcept(_asciiNonStarts);
            if (found < 0)
            {
                return -1;
            }

            position += found;
            if (char.IsAscii(text[position]) || char.IsDigit(text[position]))
            {
                return position;
            }

            position++; // a non-ASCII character that is not a digit
        }

        return -1;
    }
}
