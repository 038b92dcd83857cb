using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// E-mail addresses: a dot-atom local part, '@', a domain of labels and a top-level domain
/// of at least two letters. Quoted local parts and IP-literal domains are not matched.
/// </summary>
internal sealed partial class EmailDetector : PatternDetector
{
    public const string Type = "email";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.9,
        ContextConfidence: 0.95,
        ContextWords: ["mail", "e-mail", "courriel", "adresse", "contact"]);

    public EmailDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // The pattern starts and stops at its own edges: a dot or dash just outside is punctuation.
    protected override bool CheckBoundaries => false;

    protected override Candidate? Validate(string text, int start, int length)
    {
        if (start > 0 && IsLocalChar(text[start - 1]))
        {
            return null;
        }

        var at = text.IndexOf('@', start, length);
        var local = text.AsSpan(start, at - start);
        return local.Length > 64 || local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)
            ? null
            : new Candidate(start, length);
    }

    private static bool IsLocalChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}\b", PatternOptions, 2000)]
    private static partial Regex CandidatePattern();
}
