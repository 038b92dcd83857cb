using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French tax number (numéro fiscal de référence / SPI): 13 digits, first digit 0–3; the
/// last 3 digits are the first 10 read as a number, modulo 511. Written contiguous or as
/// on tax notices: 30 23 217 600 053.
/// </summary>
internal sealed partial class FrenchNifDetector : PatternDetector
{
    public const string Type = "fr-nif";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.8,
        ContextConfidence: 0.97,
        ContextWords: ["numéro fiscal", "NIF", "SPI", "impôts", "impot", "avis d'imposition", "référence fiscale", "tax number"]);

    public FrenchNifDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // 13 digits, spaces between groups.
    protected override DigitRunShape Shape { get; } = new(" ", minDigits: 13);

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> digits = stackalloc char[13];
        return Checksums.Compact(text, start, length, digits) == 13 && IsValid(digits)
            ? new Candidate(start, length)
            : null;
    }

    internal static bool IsValid(ReadOnlySpan<char> nif)
    {
        return nif.Length == 13
            && nif[0] is >= '0' and <= '3'
            && Checksums.ToInt64(nif[..10]) % 511 == Checksums.ToInt64(nif[10..]);
    }

    [GeneratedRegex(@"[0-3]\d[ ]?\d\d[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
