using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French phone numbers: a national prefix (0, +33, 0033, optionally "+33 (0)") followed by
/// 9 digits whose first is 1–9 (1–5 geographic, 6–7 mobile, 8 special rate, 9 non-geographic),
/// with spaces, dots or dashes between pairs. There is no checksum: confidence is moderate.
/// </summary>
internal sealed partial class FrenchPhoneDetector : PatternDetector
{
    public const string Type = "fr-phone";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.7,
        ContextConfidence: 0.9,
        ContextWords: ["tél", "tel", "téléphone", "portable", "mobile", "phone", "fixe", "fax", "joindre", "appeler"]);

    public FrenchPhoneDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    protected override Candidate? Validate(string text, int start, int length)
    {
        // "+33" starts with a non-word character: the boundary test looks at the character
        // before '+', which the base class does. Nothing else to check beyond the pattern.
        return new Candidate(start, length);
    }

    [GeneratedRegex(@"(?:\+33[ .-]?(?:\(0\)[ .-]?)?|0033[ .-]?|0)[1-9](?:[ .-]?\d\d){4}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
