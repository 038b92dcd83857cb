using System.Buffers;
using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// E-mail addresses: a dot-atom local part (letters, digits, <c>._%+-</c>, at most 64, no
/// leading, trailing or double dot), '@', a domain of at least two labels (letters, digits,
/// inner hyphens, at most 63 each) whose last label is 2–24 letters. Quoted local parts and
/// IP-literal domains are not matched. Candidates are found from the '@' outwards, which is
/// much faster than a pattern that has to start at every letter.
/// </summary>
internal sealed partial class EmailDetector : PatternDetector
{
    public const string Type = "email";

    private const int MaxLocalLength = 64;
    private const int MaxDomainLength = 253;

    private static readonly SearchValues<char> AsciiLetters =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.9,
        ContextConfidence: 0.95,
        ContextWords: ["mail", "e-mail", "courriel", "adresse", "contact"]);

    public EmailDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => AtSign();

    // The span is grown from the '@' up to the first character that cannot belong to the
    // address, so it is bounded by construction.
    protected override bool CheckBoundaries => false;

    protected override Candidate? Validate(string text, int at, int length)
    {
        var start = at;
        while (start > 0 && IsLocalChar(text[start - 1]))
        {
            start--;
            if (at - start > MaxLocalLength)
            {
                return null;
            }
        }

        var end = at + 1;
        while (end < text.Length && IsDomainChar(text[end]) && end - at <= MaxDomainLength)
        {
            end++;
        }

        // A sentence may end right after the address.
        while (end > at + 1 && text[end - 1] is '.' or '-')
        {
            end--;
        }

        var local = text.AsSpan(start, at - start);
        if (local.IsEmpty || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal))
        {
            return null;
        }

        return IsValidDomain(text.AsSpan(at + 1, end - at - 1)) ? new Candidate(start, end - start) : null;
    }

    private static bool IsValidDomain(ReadOnlySpan<char> domain)
    {
        var labels = 0;
        var tldIsLetters = false;
        var tldLength = 0;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            labels++;
            tldLength = label.Length;
            tldIsLetters = !label.ContainsAnyExcept(AsciiLetters);
        }

        return labels >= 2 && tldIsLetters && tldLength is >= 2 and <= 24;
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    private static bool IsDomainChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-';

    [GeneratedRegex("@", PatternOptions)]
    private static partial Regex AtSign();
}
