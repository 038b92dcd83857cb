using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// SIRET, the 14-digit French establishment number: SIREN + 5-digit establishment number,
/// Luhn over all 14 digits. La Poste's establishments (SIREN 356 000 000) are numbered
/// sequentially instead: their SIRET is valid when its digit sum is a multiple of 5; the
/// head office, 356 000 000 00048, satisfies Luhn.
/// </summary>
internal sealed partial class FrenchSiretDetector : PatternDetector
{
    public const string Type = "fr-siret";

    private const string LaPosteSiren = "356000000";
    private const string LaPosteHeadOffice = "35600000000048";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.6,
        ContextConfidence: 0.92,
        ContextWords: ["SIRET", "SIREN", "établissement", "RCS", "entreprise", "société"]);

    public FrenchSiretDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // 14 digits, spaces or dots between groups.
    protected override DigitRunShape Shape { get; } = new(" .", minDigits: 14);

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> digits = stackalloc char[14];
        return Checksums.Compact(text, start, length, digits) == 14 && IsValid(digits)
            ? new Candidate(start, length)
            : null;
    }

    internal static bool IsValid(ReadOnlySpan<char> siret)
    {
        if (siret.StartsWith(LaPosteSiren) && !siret.SequenceEqual(LaPosteHeadOffice))
        {
            return Checksums.DigitSum(siret) % 5 == 0;
        }

        return Checksums.Luhn(siret);
    }

    [GeneratedRegex(@"\d{3}[ .]?\d{3}[ .]?\d{3}[ .]?\d{5}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
