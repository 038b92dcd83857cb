using static Sovereignty.Policies.Tests.Detection.CheckDigits;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class FrenchNirDetectorTests
{
    [Theory]
    [InlineData("1850578006084")] // man, May 1985, Yvelines
    [InlineData("2930375112345")] // woman, Paris
    [InlineData("185052A006084")] // Corse-du-Sud
    [InlineData("285052B006084")] // Haute-Corse
    [InlineData("1852099123456")] // unknown month (20-42), born abroad
    [InlineData("2855099123456")] // unknown month (50-99)
    [InlineData("3850599123456")] // sex 3: being registered from abroad
    [InlineData("7850599123456")] // temporary number
    [InlineData("1850597123456")] // overseas department 97x
    public void Scan_ValidNirContiguous_HitsAtItsOffset(string first13)
    {
        var nir = Nir(first13);
        SingleHitAt(Create("fr-nir"), $"Mon numéro: {nir}, merci.", nir);
    }

    [Fact]
    public void Scan_CorsicanNir_KeyUses19And18()
    {
        // The same digits with 2A and 2B have different keys; each only validates with its own.
        var a = Nir("185052A006084");
        var b = Nir("185052B006084");
        Assert.NotEqual(a[^2..], b[^2..]);
        var detector = Create("fr-nir");
        SingleHitAt(detector, $"x {a} y", a);
        SingleHitAt(detector, $"x {b} y", b);
        NoHit(detector, $"x {a[..^2]}{b[^2..]} y");
    }

    [Theory]
    [InlineData(" ")]
    [InlineData(".")]
    public void Scan_GroupedNir_HitsWholeGroupedSpan(string separator)
    {
        var nir = Nir("1850578006084");
        var grouped = string.Join(separator, nir[..1], nir[1..3], nir[3..5], nir[5..7], nir[7..10], nir[10..13], nir[13..]);
        var hit = SingleHitAt(Create("fr-nir"), $"N° SS : {grouped}", grouped);
        Assert.True(hit.Confidence > 0.9, "context word 'N° SS' raises confidence");
    }

    [Fact]
    public void Scan_WrongKey_NoHit()
    {
        NoHit(Create("fr-nir"), $"numéro {BreakLastDigit(Nir("1850578006084"))}");
    }

    [Theory]
    [InlineData("5850578006084")] // sex 5 does not exist
    [InlineData("1851378006084")] // month 13
    [InlineData("1854578006084")] // month 45
    [InlineData("1850500006084")] // department 00
    public void Scan_ImpossibleFieldsWithCorrectKey_NoHit(string first13)
    {
        NoHit(Create("fr-nir"), $"numéro {Nir(first13)}");
    }

    [Fact]
    public void Scan_NirInsideLongerDigitRun_NoHit()
    {
        var nir = Nir("1850578006084");
        var detector = Create("fr-nir");
        NoHit(detector, $"ref 9{nir}");
        NoHit(detector, $"ref {nir}7");
        NoHit(detector, $"ref AB{nir}");
    }

    [Fact]
    public void Scan_ValidNirAfterNearMissDigit_StillFound()
    {
        var nir = Nir("1850578006084");
        SingleHitAt(Create("fr-nir"), $"lot 1 {nir} fin", nir);
    }

    [Fact]
    public void Scan_TwoNirs_BothLocated()
    {
        var first = Nir("1850578006084");
        var second = Nir("2930375112345");
        var text = $"{first} et {second}";
        var hits = Create("fr-nir").Scan(text, "attachment:a.docx");
        Assert.Equal([0, text.IndexOf(second, StringComparison.Ordinal)], hits.Select(h => h.Offset));
        Assert.All(hits, h => Assert.Equal("attachment:a.docx", h.Location));
    }
}
