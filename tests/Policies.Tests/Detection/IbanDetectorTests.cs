using static Sovereignty.Policies.Tests.Detection.CheckDigits;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class IbanDetectorTests
{
    // Examples of the SWIFT IBAN registry.
    [Theory]
    [InlineData("DE89370400440532013000")]
    [InlineData("GB29NWBK60161331926819")]
    [InlineData("BE68539007547034")]
    [InlineData("NO9386011117947")]
    [InlineData("MT84MALT011000012345MTLCAST001S")]
    [InlineData("BR1800360305000010009795493C1")]
    [InlineData("FR1420041010050500013M02606")]
    public void Scan_RegistryExamples_HitGroupedAndContiguous(string iban)
    {
        var detector = Create("iban");
        SingleHitAt(detector, $"IBAN: {iban}.", iban);
        var grouped = Group4(iban);
        SingleHitAt(detector, $"IBAN: {grouped}.", grouped);
    }

    [Fact]
    public void Scan_GeneratedFrenchIbanWithValidRib_Hits()
    {
        var iban = Iban("FR", Rib("30006", "00001", "12345678901"));
        SingleHitAt(Create("iban"), $"virement sur {Group4(iban)} merci", Group4(iban));
    }

    [Fact]
    public void Scan_FrenchIbanValidMod97ButWrongRibKey_NoHit()
    {
        var rib = Rib("30006", "00001", "12345678901");
        var badRib = rib[..^2] + (((int.Parse(rib[^2..]) + 1) % 97) + 1).ToString("00");
        var iban = Iban("FR", badRib);
        NoHit(Create("iban"), iban);
    }

    [Fact]
    public void Scan_WrongCheckDigits_NoHit()
    {
        NoHit(Create("iban"), "DE88370400440532013000");
    }

    [Fact]
    public void Scan_WrongLengthForCountry_NoHit()
    {
        // Valid mod 97 but one character short for Germany (22).
        NoHit(Create("iban"), Iban("DE", "3704004405320130"));
    }

    [Fact]
    public void Scan_UnknownCountry_NoHit()
    {
        NoHit(Create("iban"), Iban("ZZ", "370400440532013000"));
    }

    [Fact]
    public void Scan_IbanFollowedByWord_HitStopsAtIbanEnd()
    {
        var text = "IBAN DE89 3704 0044 0532 0130 00 EUR";
        SingleHitAt(Create("iban"), text, "DE89 3704 0044 0532 0130 00");
    }

    [Fact]
    public void CountryLengths_CoverRegistry_AllCountries()
    {
        Assert.True(Sovereignty.Policies.Detection.BuiltIn.IbanDetector.CountryLengths.Count >= 89);
        Assert.Equal(27, Sovereignty.Policies.Detection.BuiltIn.IbanDetector.CountryLengths["FR"]);
        Assert.Equal(33, Sovereignty.Policies.Detection.BuiltIn.IbanDetector.CountryLengths["RU"]);
    }
}
