using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French national identity card numbers (CNI), which need a context word ("carte nationale
/// d'identité", "carte d'identité", "CNI") by default:
/// <list type="bullet">
/// <item>old cards (until 2021): 12 characters: year and month of issue (YYMM, month 01–12),
/// 3 characters of the issuing department and office (digits, or 2A/2B for Corsica), and a
/// 5-digit sequence number (e.g. 880692310285);</item>
/// <item>cards issued since August 2021: 9 characters, letters and digits mixed (e.g.
/// X4RTBPFW4), at least one of each.</item>
/// </list>
/// </summary>
internal sealed partial class FrenchCniDetector : PatternDetector
{
    public const string Type = "fr-cni";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.4,
        ContextConfidence: 0.85,
        ContextWords: ["carte nationale d'identité", "carte d'identité", "CNI", "pièce d'identité", "identity card", "ID card"],
        RequiresContext: true);

    public FrenchCniDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // 9 or 12 digits and capital letters.
    protected override DigitRunShape Shape { get; } = DigitRunShape.AlphaNumeric("ABCDEFGHIJKLMNOPQRSTUVWXYZ", minLength: 9);

    protected override Candidate? Validate(string text, int start, int length)
    {
        var value = text.AsSpan(start, length);
        if (length == 12)
        {
            var month = ((value[2] - '0') * 10) + (value[3] - '0');
            return char.IsAsciiDigit(value[2]) && char.IsAsciiDigit(value[3]) && month is >= 1 and <= 12
                ? new Candidate(start, length)
                : null;
        }

        var hasLetter = value.ContainsAnyInRange('A', 'Z');
        var hasDigit = value.ContainsAnyInRange('0', '9');
        return length == 9 && hasLetter && hasDigit ? new Candidate(start, length) : null;
    }

    // Old format first (longer); new format: 9 upper-case alphanumerics.
    [GeneratedRegex(@"\d{4}(?:\d{3}|2[AB]\d)\d{5}|[0-9A-Z]{9}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
