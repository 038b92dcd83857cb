using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Context words that corroborate a match when they are close enough to it. Distance is
/// measured from the end of the context word to the start of the match (word before it) or
/// from the end of the match to the start of the context word (word after it).
/// </summary>
internal sealed class ContextRule
{
    private readonly Regex? _pattern;
    private readonly int _distance;
    private readonly ContextDistanceUnit _unit;

    public ContextRule(IEnumerable<string> words, int distance, ContextDistanceUnit unit, TimeSpan matchTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(distance);
        _pattern = PhrasePattern.Build(words, matchTimeout);
        _distance = distance;
        _unit = unit;
    }

    /// <summary>Whether any context words are configured.</summary>
    public bool HasWords => _pattern is not null;

    /// <summary>Finds the context words of one text, once, for all the matches in it.</summary>
    public Occurrences Index(string text) => new(this, text);

    /// <summary>The context words found in one text, located by start and end.</summary>
    internal sealed class Occurrences
    {
        private readonly ContextRule _rule;
        private readonly string _text;
        private List<(int Start, int End)>? _spans;

        public Occurrences(ContextRule rule, string text)
        {
            _rule = rule;
            _text = text;
        }

        /// <summary>Whether any context word occurs in the text.</summary>
        public bool Any
        {
            get
            {
                if (_rule._pattern is null)
                {
                    return false;
                }

                _spans ??= Find(_rule._pattern, _text);
                return _spans.Count > 0;
            }
        }

        /// <summary>Whether a context word lies within the distance of the match [start, end).</summary>
        public bool IsNear(int start, int end)
        {
            if (_rule._pattern is null)
            {
                return false;
            }

            _spans ??= Find(_rule._pattern, _text);
            foreach (var (spanStart, spanEnd) in _spans)
            {
                if (spanEnd <= start && _rule.Within(_text, spanEnd, start))
                {
                    return true;
                }

                if (spanStart >= end && _rule.Within(_text, end, spanStart))
                {
                    return true;
                }

                if (spanStart < end && spanEnd > start)
                {
                    // Overlapping (e.g. a keyword that is its own context): counts as adjacent.
                    return true;
                }
            }

            return false;
        }

        private static List<(int, int)> Find(Regex pattern, string text)
        {
            var spans = new List<(int, int)>();
            foreach (var match in pattern.EnumerateMatches(text))
            {
                spans.Add((match.Index, match.Index + match.Length));
            }

            return spans;
        }
    }

    private bool Within(string text, int gapStart, int gapEnd)
    {
        var gap = gapEnd - gapStart;
        if (_unit == ContextDistanceUnit.Characters)
        {
            return gap <= _distance;
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
}
