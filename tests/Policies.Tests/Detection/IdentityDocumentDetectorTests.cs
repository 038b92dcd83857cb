using Sovereignty.Policies.Detection;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class IdentityDocumentDetectorTests
{
    [Fact]
    public void Scan_PassportWithContext_Hits()
    {
        SingleHitAt(Create("fr-passport"), "Numéro de passeport : 12AB34567", "12AB34567");
    }

    [Fact]
    public void Scan_PassportWithoutContext_NoHit()
    {
        NoHit(Create("fr-passport"), "Référence colis 12AB34567");
    }

    [Fact]
    public void Scan_PassportContextTooFar_NoHit()
    {
        var text = "passeport" + new string(' ', 60) + "12AB34567";
        NoHit(Create("fr-passport"), text);
    }

    [Fact]
    public void Scan_PassportContextNotRequiredBySettings_HitsWithLowConfidence()
    {
        var hit = SingleHitAt(Create("fr-passport", new DetectorSettings { RequireContext = false }), "colis 12AB34567", "12AB34567");
        Assert.True(hit.Confidence < 0.5);
    }

    [Theory]
    [InlineData("1AB34567")] // 1 digit first
    [InlineData("12A134567")] // 1 letter
    [InlineData("12AB345678")] // 6 digits
    public void Scan_PassportNearMiss_NoHit(string value)
    {
        NoHit(Create("fr-passport"), $"passeport {value}");
    }

    [Theory]
    [InlineData("Carte nationale d'identité n° 880692310285", "880692310285")]
    [InlineData("CARTE NATIONALE D’IDENTITE : 8806 2A1 10285", null)]
    [InlineData("CNI X4RTBPFW4 valable", "X4RTBPFW4")]
    [InlineData("carte d'identité 0912 2A5 12345", null)]
    public void Scan_CniWithContext_Hits(string text, string? value)
    {
        var detector = Create("fr-cni");
        if (value is null)
        {
            // Grouped with spaces is not a CNI layout: no hit.
            NoHit(detector, text);
            return;
        }

        SingleHitAt(detector, text, value);
    }

    [Fact]
    public void Scan_OldCniCorsica_Hits()
    {
        SingleHitAt(Create("fr-cni"), "CNI 09122A512345", "09122A512345");
    }

    [Theory]
    [InlineData("CNI 881392310285")] // month 13
    [InlineData("CNI ABCDEFGHJ")] // no digit
    [InlineData("CNI 123456789")] // no letter
    [InlineData("référence 880692310285")] // no context
    public void Scan_CniNearMissOrNoContext_NoHit(string text)
    {
        NoHit(Create("fr-cni"), text);
    }
}
