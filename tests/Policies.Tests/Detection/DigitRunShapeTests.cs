using System.Globalization;
using System.Text;
using Sovereignty.Policies.Detection.BuiltIn;
using static Sovereignty.Policies.Tests.Detection.CheckDigits;
using static Sovereignty.Policies.Tests.Detection.DetectorAssert;

namespace Sovereignty.Policies.Tests.Detection;

/// <summary>
/// The number detectors run their pattern only over runs of digits and separators that can
/// hold a candidate (<see cref="DigitRunShape"/>). That must find exactly what running the
/// pattern over the whole text finds: same hits, same offsets, same confidence.
/// </summary>
public sealed class DigitRunShapeTests
{
    public static TheoryData<string> ShapedTypes => ["fr-nir", "fr-siren", "fr-siret", "fr-nif", "payment-card", "fr-cni"];

    [Theory]
    [MemberData(nameof(ShapedTypes))]
    public void Scan_RandomNumberText_SameHitsAsWholeTextScan(string type)
    {
        var detector = (PatternDetector)Create(type);
        var random = new Random(20261129);
        var total = 0;
        for (var i = 0; i < 300; i++)
        {
            var text = NumberText(random, withNonAsciiDigits: i % 3 == 0);
            var expected = detector.ScanWithoutShape(text, "body");
            Assert.Equal(expected, detector.Scan(text, "body"));
            total += expected.Count;
        }

        // The texts hold valid identifiers of every type: the comparison is not of empty lists.
        Assert.True(total > 20, $"only {total} hits for {type}");
    }

    [Theory]
    [InlineData("fr-siren", "n° 732 829 320 et 1234")]
    [InlineData("payment-card", "carte 4970 1012 3456 7899\u0663 fin")]
    [InlineData("payment-card", "carte \u0663 4970 1012 3456 7899")]
    [InlineData("fr-nir", "NIR 2 69 05 2A 123 456 12 suite")]
    [InlineData("fr-siret", "SIRET 356 000 000 00048\uFF11")]
    [InlineData("fr-cni", "CNI X4RTBPFW4 et 880692310285 et \u0663X4RTBPFW4")]
    public void Scan_EdgeCases_SameHitsAsWholeTextScan(string type, string text)
    {
        var detector = (PatternDetector)Create(type);
        Assert.Equal(detector.ScanWithoutShape(text, "body"), detector.Scan(text, "body"));
    }

    [Fact]
    public void HasNonAsciiDigits_AccentsAndSymbolsOnly_False()
    {
        Assert.False(DigitRunShape.HasNonAsciiDigits("Réception à 12 h, 15,50 € — l’équipe…"));
        Assert.True(DigitRunShape.HasNonAsciiDigits("Réception à \u0661\u0662 h"));
        Assert.True(DigitRunShape.HasNonAsciiDigits("n° \uFF11\uFF12"));
    }

    [Fact]
    public void TryFindRun_ShortNumbersOnly_NoRun()
    {
        var shape = new DigitRunShape(" .", minDigits: 9);
        Assert.False(shape.TryFindRun("le 12/05/2026, 1 250,00 € et 123 456", 0, nonAsciiDigits: false, out _, out _));
        Assert.True(shape.TryFindRun("le 12/05/2026 : 123 456 789.", 0, nonAsciiDigits: false, out var start, out var end));
        Assert.Equal("123 456 789.", "le 12/05/2026 : 123 456 789."[start..end]);
    }

    // Words, numbers of every length with random separators, letters that some patterns take
    // (A, B for Corsican NIRs; capitals for identity cards), digits outside ASCII, and valid
    // identifiers written plain or grouped.
    private static string NumberText(Random random, bool withNonAsciiDigits)
    {
        var valid = ValidIdentifiers();
        var builder = new StringBuilder();
        for (var token = 0; token < 200; token++)
        {
            var roll = random.Next(20);
            switch (roll)
            {
                case < 6:
                    builder.Append(random.Next(4) == 0 ? "Réception" : "le");
                    break;
                case < 12:
                    for (var d = random.Next(1, 22); d > 0; d--)
                    {
                        builder.Append((char)('0' + random.Next(10)));
                        if (random.Next(4) == 0)
                        {
                            builder.Append(" .-/A2B"[random.Next(7)]);
                        }
                    }

                    break;
                case < 15:
                    builder.Append(valid[random.Next(valid.Length)]);
                    break;
                case < 17:
                    for (var c = random.Next(1, 13); c > 0; c--)
                    {
                        builder.Append("ABCXYZ0123456789"[random.Next(16)]);
                    }

                    break;
                default:
                    builder.Append(withNonAsciiDigits && random.Next(2) == 0 ? "\u0663\uFF11" : "€");
                    break;
            }

            builder.Append(" ,.;\n-"[random.Next(6)]);
            if (random.Next(3) == 0)
            {
                builder.Append(' ');
            }
        }

        return builder.ToString();
    }

    private static string[] ValidIdentifiers()
    {
        var siren = WithLuhn("73282932");
        var siret = WithLuhn(siren + "0007");
        var nir = Nir("1850578006084");
        var nif = "3023456789" + (3023456789L % 511).ToString("000", CultureInfo.InvariantCulture);
        return
        [
            siren, $"{siren[..3]} {siren[3..6]} {siren[6..]}", siret, $"{siret[..3]} {siret[3..6]} {siret[6..9]} {siret[9..]}",
            "356 000 000 00048", nir, $"{nir[..1]} {nir[1..3]} {nir[3..5]} {nir[5..7]} {nir[7..10]} {nir[10..13]} {nir[13..]}",
            nif, $"{nif[..2]} {nif[2..4]} {nif[4..7]} {nif[7..10]} {nif[10..]}", "4970 1012 3456 7899", "4970101234567899",
            "carte d'identité X4RTBPFW4", "CNI 880692310285", "NIR " + nir,
        ];
    }
}
