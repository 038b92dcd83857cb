using Sovereignty.Policies.Detection;
using static Sovereignty.Policies.Tests.Detection.CheckDigits;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class CompanyNumberDetectorTests
{
    [Theory]
    [InlineData("{0}")]
    [InlineData("{1}")]
    public void Scan_ValidSiren_HitsAtItsOffset(string format)
    {
        var siren = WithLuhn("73282932");
        var written = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, siren, $"{siren[..3]} {siren[3..6]} {siren[6..]}");
        SingleHitAt(Create("fr-siren"), $"SIREN {written}.", written);
    }

    [Fact]
    public void Scan_SirenWrongLuhn_NoHit()
    {
        NoHit(Create("fr-siren"), $"SIREN {BreakLastDigit(WithLuhn("73282932"))}");
    }

    [Fact]
    public void Scan_SirenHeadOfSiret_OnlySiretHits()
    {
        var siret = WithLuhn(WithLuhn("73282932") + "0007");
        var text = $"SIRET {siret[..3]} {siret[3..6]} {siret[6..9]} {siret[9..]}";
        NoHit(Create("fr-siren"), text);
        Assert.Single(Create("fr-siret").Scan(text, "body"));
    }

    [Fact]
    public void Scan_ValidSiret_HitsAtItsOffset()
    {
        var siret = WithLuhn(WithLuhn("73282932") + "0007");
        SingleHitAt(Create("fr-siret"), $"établissement {siret}", siret);
    }

    [Fact]
    public void Scan_SiretWrongLuhn_NoHit()
    {
        NoHit(Create("fr-siret"), $"SIRET {BreakLastDigit(WithLuhn(WithLuhn("73282932") + "0007"))}");
    }

    [Fact]
    public void Scan_LaPosteHeadOffice_ValidByLuhn()
    {
        Assert.Equal(0, LuhnSum("35600000000048") % 10);
        SingleHitAt(Create("fr-siret"), "La Poste SIRET 35600000000048", "35600000000048");
    }

    [Fact]
    public void Scan_LaPosteEstablishment_ValidByDigitSumNotLuhn()
    {
        // 356000000 + 5 digits whose total digit sum is a multiple of 5 but fails Luhn.
        var siret = Enumerable.Range(0, 100000)
            .Select(n => "356000000" + n.ToString("00000"))
            .First(s => s.Sum(c => c - '0') % 5 == 0 && LuhnSum(s) % 10 != 0 && s != "35600000000048");
        SingleHitAt(Create("fr-siret"), $"bureau de poste {siret}", siret);
    }

    [Fact]
    public void Scan_LaPosteEstablishmentDigitSumNotMultipleOf5_NoHitEvenIfLuhnValid()
    {
        var siret = Enumerable.Range(0, 100000)
            .Select(n => "356000000" + n.ToString("00000"))
            .First(s => s.Sum(c => c - '0') % 5 != 0 && LuhnSum(s) % 10 == 0 && s != "35600000000048");
        NoHit(Create("fr-siret"), $"bureau {siret}");
    }

    [Fact]
    public void Scan_ValidVatNumericKey_HitsWithFullConfidence()
    {
        var siren = WithLuhn("30326504");
        var key = (12 + (3 * (int.Parse(siren) % 97))) % 97;
        var vat = $"FR{key:00}{siren}";
        var spaced = $"FR {key:00} {siren[..3]} {siren[3..6]} {siren[6..]}";
        var detector = Create("fr-vat");
        var hit = SingleHitAt(detector, $"TVA intracommunautaire : {vat}", vat);
        Assert.True(hit.Confidence >= 0.95);
        SingleHitAt(detector, $"n° {spaced} ", spaced);
    }

    [Fact]
    public void Scan_VatWrongKey_NoHit()
    {
        var siren = WithLuhn("30326504");
        var key = ((12 + (3 * (int.Parse(siren) % 97))) % 97 + 1) % 97;
        NoHit(Create("fr-vat"), $"FR{key:00}{siren}");
    }

    [Fact]
    public void Scan_VatAlphanumericKey_PatternOnlyLowerConfidence()
    {
        var hit = SingleHitAt(Create("fr-vat"), "numéro FRK7399859412 ici", "FRK7399859412");
        Assert.True(hit.Confidence < 0.6);
    }

    [Fact]
    public void Scan_ValidNif_HitsPlainAndGrouped()
    {
        var first10 = "3023217600";
        var nif = first10 + (long.Parse(first10) % 511).ToString("000");
        var grouped = $"{nif[..2]} {nif[2..4]} {nif[4..7]} {nif[7..10]} {nif[10..]}";
        var detector = Create("fr-nif");
        SingleHitAt(detector, $"Numéro fiscal : {nif}", nif);
        SingleHitAt(detector, $"Numéro fiscal : {grouped}", grouped);
    }

    [Fact]
    public void Scan_NifWrongKeyOrFirstDigit_NoHit()
    {
        var first10 = "3023217600";
        var nif = first10 + (long.Parse(first10) % 511).ToString("000");
        var detector = Create("fr-nif");
        NoHit(detector, BreakLastDigit(nif));
        var startsWith4 = "4023217600";
        NoHit(detector, startsWith4 + (long.Parse(startsWith4) % 511).ToString("000"));
    }

    [Fact]
    public void Scan_SirenWithExtraContextWord_ContextConfidence()
    {
        var siren = WithLuhn("73282932");
        var settings = new DetectorSettings { ContextWords = ["fournisseur"], ContextDistance = 3, ContextUnit = ContextDistanceUnit.Words };
        var detector = Create("fr-siren", settings);
        var near = SingleHitAt(detector, $"fournisseur numéro {siren}", siren);
        var far = SingleHitAt(detector, $"fournisseur a b c d e {siren}", siren);
        Assert.True(near.Confidence > far.Confidence);
    }
}
