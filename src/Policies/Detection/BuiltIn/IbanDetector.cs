using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// IBAN (ISO 13616): country code, 2 check digits, BBAN; the length must be the country's
/// length in the SWIFT IBAN registry and the ISO 7064 mod 97-10 check must give 1. Written
/// contiguous or in groups of 4 separated by single spaces. French (and Monegasque) IBANs
/// also carry a RIB whose key is checked: 97 − ((89 × bank + 15 × branch + 3 × account) mod 97),
/// letters in the account number mapped per the RIB rules (A, J → 1; B, K, S → 2; …).
/// </summary>
internal sealed partial class IbanDetector : PatternDetector
{
    public const string Type = "iban";

    /// <summary>
    /// IBAN lengths per country, from the SWIFT IBAN registry (release of 2024/2025, 89
    /// countries). French overseas territories use FR, Monaco MC.
    /// </summary>
    internal static readonly FrozenDictionary<string, int> CountryLengths = new Dictionary<string, int>
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16,
        ["BG"] = 22, ["BH"] = 22, ["BI"] = 27, ["BR"] = 29, ["BY"] = 28, ["CH"] = 21, ["CR"] = 22,
        ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22, ["DJ"] = 27, ["DK"] = 18, ["DO"] = 28, ["EE"] = 20,
        ["EG"] = 29, ["ES"] = 24, ["FI"] = 18, ["FK"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22,
        ["GE"] = 22, ["GI"] = 23, ["GL"] = 18, ["GR"] = 27, ["GT"] = 28, ["HN"] = 28, ["HR"] = 21,
        ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IQ"] = 23, ["IS"] = 26, ["IT"] = 27, ["JO"] = 30,
        ["KW"] = 30, ["KZ"] = 20, ["LB"] = 28, ["LC"] = 32, ["LI"] = 21, ["LT"] = 20, ["LU"] = 20,
        ["LV"] = 21, ["LY"] = 25, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19, ["MN"] = 20,
        ["MR"] = 27, ["MT"] = 31, ["MU"] = 30, ["NI"] = 28, ["NL"] = 18, ["NO"] = 15, ["OM"] = 23,
        ["PK"] = 24, ["PL"] = 28, ["PS"] = 29, ["PT"] = 25, ["QA"] = 29, ["RO"] = 24, ["RS"] = 22,
        ["RU"] = 33, ["SA"] = 24, ["SC"] = 31, ["SD"] = 18, ["SE"] = 24, ["SI"] = 19, ["SK"] = 24,
        ["SM"] = 27, ["SO"] = 23, ["ST"] = 25, ["SV"] = 28, ["TL"] = 23, ["TN"] = 24, ["TR"] = 26,
        ["UA"] = 29, ["VA"] = 22, ["VG"] = 24, ["XK"] = 20, ["YE"] = 30,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.95,
        ContextConfidence: 0.99,
        ContextWords: ["IBAN", "RIB", "BIC", "compte", "virement", "bank account", "coordonnées bancaires"]);

    public IbanDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> iban = stackalloc char[34];
        var count = Checksums.Compact(text, start, length, iban);
        if (count < 15 || !CountryLengths.TryGetValue(iban[..2].ToString(), out var expected) || count < expected)
        {
            return null;
        }

        // The pattern may run into a following group of letters or digits; keep exactly the
        // country's length and map it back to the original text.
        var accepted = OriginalLength(text, start, expected);
        return IsValid(iban[..expected]) ? new Candidate(start, accepted) : null;
    }

    internal static bool IsValid(ReadOnlySpan<char> iban)
    {
        if (iban.Length < 15 || !CountryLengths.TryGetValue(iban[..2].ToString(), out var expected) || iban.Length != expected)
        {
            return false;
        }

        // Move the first 4 characters to the end, letters → 10..35, then mod 97 must be 1.
        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length];
            if (char.IsAsciiDigit(c))
            {
                remainder = ((remainder * 10) + (c - '0')) % 97;
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                remainder = ((remainder * 100) + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        if (remainder != 1)
        {
            return false;
        }

        return iban[..2] is not "FR" and not "MC" || RibKeyIsValid(iban[4..]);
    }

    /// <summary>RIB: bank (5 digits), branch (5 digits), account (11 alphanumerics), key (2 digits).</summary>
    internal static bool RibKeyIsValid(ReadOnlySpan<char> rib)
    {
        if (rib.Length != 23)
        {
            return false;
        }

        Span<char> digits = stackalloc char[23];
        for (var i = 0; i < 23; i++)
        {
            var c = rib[i];
            if (char.IsAsciiDigit(c))
            {
                digits[i] = c;
            }
            else if (char.IsAsciiLetterUpper(c) && i is >= 10 and < 21)
            {
                digits[i] = RibLetterDigit(c);
            }
            else
            {
                return false;
            }
        }

        var bank = Checksums.ToInt64(digits[..5]);
        var branch = Checksums.ToInt64(digits[5..10]);
        var account = Checksums.ToInt64(digits[10..21]);
        var key = Checksums.ToInt64(digits[21..]);
        return key == 97 - (((89 * bank) + (15 * branch) + (3 * account)) % 97);
    }

    // A, J → 1; B, K, S → 2; C, L, T → 3; … I, R, Z → 9 (S starts at 2: there is no "S = 1").
    private static char RibLetterDigit(char c)
    {
        var n = c - 'A';
        var digit = c switch
        {
            <= 'I' => n + 1,
            <= 'R' => n - 9 + 1,
            _ => n - 18 + 2,
        };
        return (char)('0' + digit);
    }

    private static int OriginalLength(string text, int start, int alphanumerics)
    {
        var seen = 0;
        var i = start;
        while (seen < alphanumerics)
        {
            if (char.IsAsciiLetterOrDigit(text[i]))
            {
                seen++;
            }

            i++;
        }

        return i - start;
    }

    // Country, check digits, then up to 30 alphanumerics in groups of 4 with optional single spaces.
    [GeneratedRegex(@"[A-Z]{2}\d\d(?: ?[0-9A-Z]{4}){2,7}(?: ?[0-9A-Z]{1,4})?", PatternOptions)]
    private static partial Regex CandidatePattern();
}
