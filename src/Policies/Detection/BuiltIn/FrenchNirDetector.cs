using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// French social security number (NIR, "numéro de sécurité sociale"): 13 characters plus a
/// 2-digit key, written contiguous or grouped with spaces or dots (1 85 05 78 006 084 36).
/// </summary>
/// <remarks>
/// Layout: sex (1, 2; 3, 4 for people being registered from abroad; 7, 8 for temporary
/// numbers, NIA), year (2 digits), month (01–12, or 20–42 / 50–99 when the month of birth is
/// unknown on the civil record), department (01–99, or 2A / 2B for Corsica), commune (3),
/// order (3), key = 97 − (first 13 digits mod 97) with 2A read as 19 and 2B as 18.
/// </remarks>
internal sealed partial class FrenchNirDetector : PatternDetector
{
    public const string Type = "fr-nir";

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.85,
        ContextConfidence: 0.98,
        ContextWords: ["NIR", "sécurité sociale", "sécu", "numéro de sécurité sociale", "n° SS", "INSEE", "carte vitale", "assuré social", "social security"]);

    public FrenchNirDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // At least 14 digits (13 when the department is 2A/2B), spaces or dots between groups.
    protected override DigitRunShape Shape { get; } = new(" .ABab", minDigits: 14);

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> c = stackalloc char[15];
        if (Checksums.Compact(text, start, length, c) != 15)
        {
            return null;
        }

        return IsValid(c) ? new Candidate(start, length) : null;
    }

    /// <summary>Validates 15 compact characters.</summary>
    internal static bool IsValid(ReadOnlySpan<char> nir)
    {
        if (nir.Length != 15 || "123478".IndexOf(nir[0]) < 0)
        {
            return false;
        }

        var month = ((nir[3] - '0') * 10) + (nir[4] - '0');
        if (!(month is >= 1 and <= 12 or >= 20 and <= 42 or >= 50 and <= 99))
        {
            return false;
        }

        Span<char> digits = stackalloc char[13];
        nir[..13].CopyTo(digits);
        if (nir[5] == '2' && nir[6] is 'A' or 'a' or 'B' or 'b')
        {
            var corsica = nir[6] is 'A' or 'a' ? "19" : "18";
            digits[5] = corsica[0];
            digits[6] = corsica[1];
        }
        else if (nir[5] == '0' && nir[6] == '0')
        {
            return false;
        }

        foreach (var d in digits)
        {
            if (!char.IsAsciiDigit(d))
            {
                return false;
            }
        }

        if (!char.IsAsciiDigit(nir[13]) || !char.IsAsciiDigit(nir[14]))
        {
            return false;
        }

        var key = ((nir[13] - '0') * 10) + (nir[14] - '0');
        return key == 97 - Checksums.Mod(digits, 97);
    }

    // sex, year, month, department (digits or 2A/2B), commune, order, key; one optional
    // space or dot between groups.
    [GeneratedRegex(@"[1-478][ .]?\d\d[ .]?\d\d[ .]?(?:\d\d|2[ABab])[ .]?\d{3}[ .]?\d{3}[ .]?\d\d", PatternOptions)]
    private static partial Regex CandidatePattern();
}
