using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Context words that corroborate a match when they are close enough to it. Distance is
/// measured from the end of the context word to the start of the match (word before it) or
/// from the end of the match to the start of the context word (word after it); a context
/// word overlapping the match counts as adjacent. Only the text around each match is
/// searched, so the cost is per match, not per text.
/// </summary>
internal sealed class ContextRule
{
    // A window edge that falls inside a longer run of letters is moved at most this far to
    // the run's edge; a "word" longer than this is not a context word anyway.
    private const int MaxWordExtension = 64;

    private readonly Regex? _pattern;
    private readonly int _distance;
    private readonly ContextDistanceUnit _unit;
    private readonly int _maxPhraseChars;
    private readonly int _maxPhraseWords;

    public ContextRule(IEnumerable<string> words, int distance, ContextDistanceUnit unit, TimeSpan matchTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(distance);
        var phrases = words.Select(w => w.Trim()).Where(w => w.Length > 0).ToList();
        _pattern = PhrasePattern.Build(phrases, matchTimeout);
        _distance = distance;
        _unit = unit;
        // Phrases match with any run of white space between their words: allow for it.
        _maxPhraseChars = phrases.Count == 0 ? 0 : phrases.Max(p => p.Length) * 2;
        _maxPhraseWords = phrases.Count == 0 ? 0 : phrases.Max(p => p.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length) + 1;
    }

    /// <summary>Whether any context words are configured.</summary>
    public bool HasWords => _pattern is not null;

    /// <summary>Whether a context word lies within the distance of the match text[start..end).</summary>
    public bool IsNear(string text, int start, int end)
    {
        if (_pattern is null)
        {
            return false;
        }

        var (windowStart, windowEnd) = _unit == ContextDistanceUnit.Characters
            ? (start - _distance - _maxPhraseChars, end + _distance + _maxPhraseChars)
            : (WordsBefore(text, start, _distance + _maxPhraseWords), WordsAfter(text, end, _distance + _maxPhraseWords));
        windowStart = ExtendLeft(text, Math.Max(0, windowStart));
        windowEnd = ExtendRight(text, Math.Min(text.Length, windowEnd));

        foreach (var match in _pattern.EnumerateMatches(text.AsSpan(windowStart, windowEnd - windowStart)))
        {
            var spanStart = windowStart + match.Index;
            var spanEnd = spanStart + match.Length;
            if (spanStart < end && spanEnd > start)
            {
                return true;
            }

            if ((spanEnd <= start && Within(text, spanEnd, start)) || (spanStart >= end && Within(text, end, spanStart)))
            {
                return true;
            }
        }

        return false;
    }

    private bool Within(string text, int gapStart, int gapEnd)
    {
        if (_unit == ContextDistanceUnit.Characters)
        {
            return gapEnd - gapStart <= _distance;
        }

        // Words: count the words wholly inside the gap, stopping as soon as there are too many.
        var words = 0;
        var inWord = false;
        for (var i = gapStart; i < gapEnd; i++)
        {
            var isWordChar = char.IsLetterOrDigit(text[i]);
            if (isWordChar && !inWord && ++words > _distance)
            {
                return false;
            }

            inWord = isWordChar;
        }

        return true;
    }

    private static int WordsBefore(string text, int index, int words)
    {
        var i = index;
        for (var count = 0; count < words && i > 0; count++)
        {
            while (i > 0 && !char.IsLetterOrDigit(text[i - 1]))
            {
                i--;
            }

            while (i > 0 && char.IsLetterOrDigit(text[i - 1]))
            {
                i--;
            }
        }

        return i;
    }

    private static int WordsAfter(string text, int index, int words)
    {
        var i = index;
        for (var count = 0; count < words && i < text.Length; count++)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            while (i < text.Length && char.IsLetterOrDigit(text[i]))
            {
                i++;
            }
        }

        return i;
    }

    private static int ExtendLeft(string text, int index)
    {
        var limit = Math.Max(0, index - MaxWordExtension);
        while (index > limit && char.IsLetterOrDigit(text[index - 1]))
        {
            index--;
        }

        return index;
    }

    private static int ExtendRight(string text, int index)
    {
        var limit = Math.Min(text.Length, index + MaxWordExtension);
        while (index < limit && char.IsLetterOrDigit(text[index]))
        {
            index++;
        }

        return index;
    }
}
