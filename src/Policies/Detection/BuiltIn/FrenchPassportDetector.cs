using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French passport numbers: 2 digits, 2 letters, 5 digits (e.g. 12AB34567). The format has
/// no check digit outside the machine-readable zone and many references look alike, so a
/// context word ("passeport", "passport") is required by default.
/// </summary>
internal sealed partial class FrenchPassportDetector : PatternDetector
{
    public const string Type = "fr-passport";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.4,
        ContextConfidence: 0.85,
        ContextWords: ["passeport", "passport", "n° de passeport", "numéro de passeport", "passport number"],
        RequiresContext: true);

    public FrenchPassportDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    protected override Candidate? Validate(string text, int start, int length) => new Candidate(start, length);

    [GeneratedRegex(@"\d\d[A-Z]{2}\d{5}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
