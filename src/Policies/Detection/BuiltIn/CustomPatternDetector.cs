using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>The engine behind <see cref="KeywordDetector"/> and <see cref="RegexDetector"/>: every match is a hit.</summary>
internal sealed class CustomPatternDetector : PatternDetector
{
    private readonly Regex _pattern;

    public CustomPatternDetector(string defaultName, DetectorSettings settings, BuiltInProfile profile, Regex pattern)
        : base(defaultName, settings, profile)
    {
        _pattern = pattern;
    }

    protected override Regex Candidates => _pattern;

    // Keyword patterns carry their own word boundaries; a policy's regex says what it means.
    protected override bool CheckBoundaries => false;

    protected override Candidate? Validate(string text, int start, int length) => new Candidate(start, length);
}
