using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French VAT number (numéro de TVA intracommunautaire): FR + 2-character key + SIREN.
/// A numeric key must equal (12 + 3 × (SIREN mod 97)) mod 97. Keys containing letters
/// (issued to entities without a usable SIREN key) follow an unpublished algorithm: they
/// match on the pattern alone, at reduced confidence.
/// </summary>
internal sealed partial class FrenchVatDetector : PatternDetector
{
    public const string Type = "fr-vat";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.95,
        ContextConfidence: 0.99,
        ContextWords: ["TVA", "VAT", "intracommunautaire", "n° TVA"],
        PatternOnlyFactor: 0.5);

    public FrenchVatDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> c = stackalloc char[13];
        if (Checksums.Compact(text, start, length, c) != 13)
        {
            return null;
        }

        var key = c[2..4];
        var siren = c[4..];
        if (char.IsAsciiDigit(key[0]) && char.IsAsciiDigit(key[1]))
        {
            var expected = (12 + (3 * Checksums.Mod(siren, 97))) % 97;
            var actual = ((key[0] - '0') * 10) + (key[1] - '0');
            return actual == expected ? new Candidate(start, length) : null;
        }

        return new Candidate(start, length, PatternOnly: true);
    }

    // Key characters exclude I and O, which the tax administration does not issue.
    [GeneratedRegex(@"FR[ ]?[0-9A-HJ-NP-Z]{2}[ ]?\d{3}[ ]?\d{3}[ ]?\d{3}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
