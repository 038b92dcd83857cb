using Sovereignty.Policies.Detection.BuiltIn;
using static Sovereignty.Policies.Tests.Detection.CheckDigits;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class PaymentCardDetectorTests
{
    [Theory]
    [InlineData("497010123456789", "visa")] // CB co-badged Visa, 16 digits
    [InlineData("512345678901234", "mastercard")]
    [InlineData("222100123456789", "mastercard")] // 2221 series
    [InlineData("272099123456789", "mastercard")] // 2720, top of the 2-series
    [InlineData("34123456789012", "amex")]
    [InlineData("601112345678901", "discover")]
    [InlineData("353012345678901", "jcb")]
    [InlineData("62123456789012345", "unionpay")]
    [InlineData("3012345678901", "diners")]
    [InlineData("67591234567", "maestro")] // 12 digits
    public void Scan_ValidCardOfEachBrand_Hits(string payload, string brand)
    {
        var pan = WithLuhn(payload);
        Assert.Equal(brand, PaymentCardDetector.BrandOf(pan));
        SingleHitAt(Create("payment-card"), $"carte {pan} exp 12/29", pan);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("-")]
    public void Scan_GroupedCard_HitsGroupedSpan(string separator)
    {
        var pan = WithLuhn("497010123456789");
        var grouped = string.Join(separator, pan.Chunk(4).Select(c => new string(c)));
        SingleHitAt(Create("payment-card"), $"n° {grouped}", grouped);
    }

    [Fact]
    public void Scan_CardFollowedByOtherDigits_HitsOnlyTheCard()
    {
        var pan = WithLuhn("497010123456789");
        var grouped = string.Join(' ', pan.Chunk(4).Select(c => new string(c)));
        SingleHitAt(Create("payment-card"), $"carte {grouped} 12 fin", grouped);
    }

    [Fact]
    public void Scan_WrongLuhn_NoHit()
    {
        NoHit(Create("payment-card"), BreakLastDigit(WithLuhn("497010123456789")));
    }

    [Theory]
    [InlineData("2220991234567")] // 2220 is below the Mastercard 2-series
    [InlineData("2721001234567")] // 2721 is above it
    [InlineData("1234567890123")] // no brand starts with 1
    public void Scan_LuhnValidOutsideBrandRanges_NoHit(string payload)
    {
        NoHit(Create("payment-card"), WithLuhn(payload + "00"));
    }

    [Fact]
    public void Scan_KnownTestNumbers_Ignored()
    {
        var detector = Create("payment-card");
        foreach (var test in PaymentCardDetector.TestNumbers)
        {
            Assert.True(LuhnSum(test) % 10 == 0, $"{test} is Luhn-valid, so only the list can exclude it");
            Assert.NotNull(PaymentCardDetector.BrandOf(test));
            NoHit(detector, $"card {test}");
        }
    }
}
