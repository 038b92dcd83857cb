using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// SIREN, the 9-digit French company number (Luhn key), contiguous or as 3×3 groups. A
/// SIREN that is the head of a SIRET (followed by the 5-digit establishment number) is left
/// to <see cref="FrenchSiretDetector"/>.
/// </summary>
internal sealed partial class FrenchSirenDetector : PatternDetector
{
    public const string Type = "fr-siren";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.5,
        ContextConfidence: 0.9,
        ContextWords: ["SIREN", "RCS", "registre du commerce", "immatriculation", "entreprise", "société", "raison sociale"]);

    public FrenchSirenDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // 9 digits, spaces or dots between groups.
    protected override DigitRunShape Shape { get; } = new(" .", minDigits: 9);

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> digits = stackalloc char[9];
        if (Checksums.Compact(text, start, length, digits) != 9 || !Checksums.Luhn(digits))
        {
            return null;
        }

        return FollowedBySiretTail(text, start + length) ? null : new Candidate(start, length);
    }

    private static bool FollowedBySiretTail(string text, int end)
    {
        var i = end;
        if (i < text.Length && text[i] is ' ' or '.')
        {
            i++;
        }

        var digits = 0;
        while (i < text.Length && char.IsAsciiDigit(text[i]) && digits < 6)
        {
            digits++;
            i++;
        }

        return digits == 5;
    }

    [GeneratedRegex(@"\d{3}[ .]?\d{3}[ .]?\d{3}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
