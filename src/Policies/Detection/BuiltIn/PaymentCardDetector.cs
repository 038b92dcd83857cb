using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Sovereignty.Policies.Detection.BuiltIn;

/// <summary>
/// Payment card numbers (PAN): 12–19 digits, contiguous or grouped with spaces or dashes,
/// a known brand's prefix and length, and a valid Luhn check. Well-known test numbers
/// published by card schemes and payment processors are ignored.
/// </summary>
/// <remarks>
/// French "CB" cards are co-badged: their numbers are in the Visa or Mastercard ranges and
/// are found through them.
/// </remarks>
internal sealed partial class PaymentCardDetector : PatternDetector
{
    public const string Type = "payment-card";

    /// <summary>Test numbers from Visa, Mastercard, Amex, Stripe, Adyen and PayPal sandboxes.</summary>
    internal static readonly FrozenSet<string> TestNumbers = FrozenSet.ToFrozenSet(
    [
        "4111111111111111", "4242424242424242", "4012888888881881", "4222222222222", "4000056655665556",
        "5555555555554444", "5105105105105100", "5200828282828210", "2223003122003222",
        "378282246310005", "371449635398431", "378734493671000",
        "6011111111111117", "6011000990139424",
        "3530111333300000", "3566002020360505",
        "30569309025904", "38520000023237",
        "6200000000000005",
    ], StringComparer.Ordinal);

    private static readonly BuiltInProfile Profile = new(
        Confidence: 0.85,
        ContextConfidence: 0.98,
        ContextWords: ["carte bancaire", "carte de crédit", "CB", "Visa", "Mastercard", "American Express", "Amex", "credit card", "card number", "numéro de carte", "cryptogramme", "CVV", "expiration"]);

    public PaymentCardDetector(DetectorSettings settings)
        : base(Type, settings, Profile)
    {
    }

    protected override Regex Candidates => CandidatePattern();

    // At least 12 digits, spaces or dashes between them.
    protected override DigitRunShape Shape { get; } = new(" -", minDigits: 12);

    protected override Candidate? Validate(string text, int start, int length)
    {
        Span<char> digits = stackalloc char[19];
        var count = Checksums.Compact(text, start, length, digits);
        if (count < 12)
        {
            return null;
        }

        // The pattern is greedy: a 16-digit card followed by " 12" would be read as 18
        // digits. Try the whole run, then each shorter prefix that ends before a separator.
        if (IsValid(digits[..count]))
        {
            return new Candidate(start, length);
        }

        var best = -1;
        var seen = 0;
        for (var i = start; i < start + length; i++)
        {
            if (char.IsAsciiDigit(text[i]))
            {
                seen++;
            }
            else if (seen >= 12 && IsValid(digits[..seen]))
            {
                best = i;
            }
        }

        return best > 0 ? new Candidate(start, best - start) : null;
    }

    internal static bool IsValid(ReadOnlySpan<char> pan)
    {
        return BrandOf(pan) is not null && Checksums.Luhn(pan) && !TestNumbers.Contains(pan.ToString());
    }

    /// <summary>The card brand whose prefix and length fit, or null.</summary>
    internal static string? BrandOf(ReadOnlySpan<char> pan)
    {
        var length = pan.Length;
        var p1 = pan[0] - '0';
        var p2 = (int)Checksums.ToInt64(pan[..2]);
        var p3 = (int)Checksums.ToInt64(pan[..3]);
        var p4 = (int)Checksums.ToInt64(pan[..4]);
        var p6 = (int)Checksums.ToInt64(pan[..6]);

        if (p1 == 4 && length is 13 or 16 or 19)
        {
            return "visa";
        }

        if ((p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720) && length == 16)
        {
            return "mastercard";
        }

        if (p2 is 34 or 37 && length == 15)
        {
            return "amex";
        }

        if ((p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65 || p6 is >= 622126 and <= 622925) && length is >= 16 and <= 19)
        {
            return "discover";
        }

        if (p2 == 62 && length is >= 16 and <= 19)
        {
            return "unionpay";
        }

        if (p4 is >= 3528 and <= 3589 && length is >= 16 and <= 19)
        {
            return "jcb";
        }

        if ((p3 is >= 300 and <= 305 || p2 is 36 or 38 or 39) && length is >= 14 and <= 19)
        {
            return "diners";
        }

        if (p4 is >= 2200 and <= 2204 && length is >= 16 and <= 19)
        {
            return "mir";
        }

        if ((p2 is 50 or >= 56 and <= 58 || p2 is >= 60 and <= 69) && length is >= 12 and <= 19)
        {
            return "maestro";
        }

        return null;
    }

    // 12 to 19 digits, one optional space or dash between digits.
    [GeneratedRegex(@"\d(?:[ -]?\d){11,18}", PatternOptions)]
    private static partial Regex CandidatePattern();
}
