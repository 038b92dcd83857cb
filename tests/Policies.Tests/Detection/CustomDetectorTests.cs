using System.Text.RegularExpressions;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Extraction;

namespace Sovereignty.Policies.Tests.Detection;

public sealed class CustomDetectorTests
{
    [Fact]
    public void KeywordScan_AccentAndCaseInsensitiveWholeWords_HitsEachOccurrence()
    {
        var detector = new KeywordDetector(new DetectorSettings { Name = "medical", Keywords = ["dossier médical", "pathologie"] });
        const string text = "Le DOSSIER MEDICAL et la Pathologie; pas pathologies.";
        var hits = detector.Scan(text, "body");
        Assert.Equal([text.IndexOf("DOSSIER", StringComparison.Ordinal), text.IndexOf("Pathologie", StringComparison.Ordinal)], hits.Select(h => h.Offset));
        Assert.Equal(["DOSSIER MEDICAL".Length, "Pathologie".Length], hits.Select(h => h.Length));
        Assert.All(hits, h => Assert.Equal("medical", h.Detector));
    }

    [Fact]
    public void KeywordScan_PhraseAcrossLineBreakAndCurlyApostrophe_Hits()
    {
        var detector = new KeywordDetector(new DetectorSettings { Keywords = ["carte d'identité"] });
        Assert.Single(detector.Scan("la carte\r\nd’identite", "body"));
    }

    [Fact]
    public void KeywordCtor_NoKeywords_Throws()
    {
        Assert.Throws<ArgumentException>(() => new KeywordDetector(new DetectorSettings()));
    }

    [Fact]
    public void KeywordScan_RequiredContextWithinWords_OnlyNearHitsKept()
    {
        var detector = new KeywordDetector(new DetectorSettings
        {
            Keywords = ["projet atlas"],
            ContextWords = ["confidentiel"],
            ContextDistance = 2,
            ContextUnit = ContextDistanceUnit.Words,
            RequireContext = true,
        });
        const string text = "confidentiel : le projet atlas. Plus loin, bien plus loin, encore le projet atlas.";
        var hit = Assert.Single(detector.Scan(text, "body"));
        Assert.Equal(text.IndexOf("projet", StringComparison.Ordinal), hit.Offset);
    }

    [Fact]
    public void RegexScan_LinearPattern_UsesNonBacktrackingAndLocatesMatches()
    {
        var detector = new RegexDetector(new DetectorSettings { Name = "dossier", Pattern = @"DOS-\d{6}" });
        Assert.True(detector.IsLinearTime);
        const string text = "voir dos-123456 et DOS-654321";
        Assert.Equal([5, 19], detector.Scan(text, "body").Select(h => h.Offset));
    }

    [Fact]
    public void RegexScan_LookaroundPattern_FallsBackToBacktrackingWithTimeout()
    {
        var detector = new RegexDetector(new DetectorSettings { Pattern = @"(?<!\d)\d{4}(?!\d)", MatchTimeout = TimeSpan.FromMilliseconds(200) });
        Assert.False(detector.IsLinearTime);
        Assert.Equal(TimeSpan.FromMilliseconds(200), detector.Pattern.MatchTimeout);
        Assert.Single(detector.Scan("12345 6789", "body"));
    }

    [Fact]
    public void RegexScan_CatastrophicPatternOnBacktrackingEngine_TimesOut()
    {
        // A backreference forces the backtracking engine; the nested quantifier is exponential.
        var detector = new RegexDetector(new DetectorSettings { Pattern = @"(a)\1?(a+)+$", MatchTimeout = TimeSpan.FromMilliseconds(50) });
        Assert.Throws<RegexMatchTimeoutException>(() => detector.Scan(new string('a', 40) + "!", "body"));
    }

    [Fact]
    public void RegexScan_EmptyMatches_Ignored()
    {
        var detector = new RegexDetector(new DetectorSettings { Pattern = "x*" });
        Assert.Equal([1], detector.Scan("axa", "body").Select(h => h.Offset));
    }

    [Theory]
    [InlineData("(unclosed")]
    [InlineData("")]
    public void RegexCtor_InvalidPattern_ThrowsWithParserMessage(string pattern)
    {
        Assert.Throws<ArgumentException>(() => new RegexDetector(new DetectorSettings { Pattern = pattern }));
    }

    [Fact]
    public void Validate_EveryBadSetting_AllReportedAtOnce()
    {
        var errors = DetectorSettingsValidator.Validate(new DetectorSettings
        {
            Pattern = "[",
            ContextDistance = -1,
            MinCount = 0,
            Confidence = 1.5,
            MatchTimeout = TimeSpan.Zero,
        });
        Assert.Equal(5, errors.Count);
    }

    [Fact]
    public void TryCreate_UnknownType_False()
    {
        Assert.False(BuiltInDetectors.TryCreate("us-ssn", DetectorSettings.Default, out _));
    }

    [Fact]
    public void Types_EveryTypeCreates_WithItsOwnName()
    {
        Assert.Equal(11, BuiltInDetectors.Types.Count);
        foreach (var type in BuiltInDetectors.Types)
        {
            Assert.True(BuiltInDetectors.TryCreate(type, DetectorSettings.Default, out var detector));
            Assert.Equal(type, detector.Name);
        }
    }

    [Fact]
    public void ContentScanner_MinCountAcrossParts_CountsAllParts()
    {
        var detector = new KeywordDetector(new DetectorSettings { Keywords = ["atlas"], MinCount = 3 });
        var two = Content(("body", "atlas"), ("attachment:a.txt", "atlas"));
        var three = Content(("body", "atlas"), ("attachment:a.txt", "atlas"), ("attachment:b.txt", "atlas"));
        Assert.Empty(ContentScanner.Scan([detector], two).Hits);
        Assert.Equal(3, ContentScanner.Scan([detector], three).Hits.Count);
    }

    [Fact]
    public void ContentScanner_DetectorTimesOut_PartReportedUnscannable()
    {
        var slow = new RegexDetector(new DetectorSettings { Name = "slow", Pattern = @"(a)\1?(a+)+$", MatchTimeout = TimeSpan.FromMilliseconds(50) });
        var result = ContentScanner.Scan([slow], Content(("body", new string('a', 40) + "!")));
        var failure = Assert.Single(result.Unscannable);
        Assert.Equal(("body", UnscannableReason.LimitExceeded), (failure.Location, failure.Reason));
    }

    [Fact]
    public void ContentScanner_SeveralDetectorsAndParts_HitsGroupedByDetectorInPartOrder()
    {
        var atlas = new KeywordDetector(new DetectorSettings { Name = "atlas", Keywords = ["atlas"] });
        var orion = new KeywordDetector(new DetectorSettings { Name = "orion", Keywords = ["orion"] });
        var rare = new KeywordDetector(new DetectorSettings { Name = "rare", Keywords = ["orion"], MinCount = 3 });
        var content = Content(("body", "orion atlas"), ("attachment:a.txt", "atlas orion atlas"));

        var hits = ContentScanner.Scan([atlas, rare, orion], content).Hits;

        // Detector by detector (the order of the list), each in part order; "rare" saw 2 < 3.
        Assert.Equal(
            [("atlas", "body", 6), ("atlas", "attachment:a.txt", 0), ("atlas", "attachment:a.txt", 12), ("orion", "body", 0), ("orion", "attachment:a.txt", 6)],
            hits.Select(h => (h.Detector, h.Location, h.Offset)));
    }

    [Fact]
    public void ContentScanner_DetectorTimesOutOnTwoParts_FailuresGroupedByDetector()
    {
        var slow = new RegexDetector(new DetectorSettings { Name = "slow", Pattern = @"(a)\1?(a+)+$", MatchTimeout = TimeSpan.FromMilliseconds(50) });
        var atlas = new KeywordDetector(new DetectorSettings { Name = "atlas", Keywords = ["atlas"] });
        var evil = new string('a', 40) + "!";
        var result = ContentScanner.Scan([slow, atlas], Content(("body", evil + " atlas"), ("attachment:a.txt", evil)));

        Assert.Equal(["body", "attachment:a.txt"], result.Unscannable.Select(u => u.Location));
        Assert.Equal(("atlas", "body"), (Assert.Single(result.Hits).Detector, result.Hits[0].Location));
    }

    private static ExtractedContent Content(params (string Location, string Text)[] parts) =>
        new([.. parts.Select(p => new ContentPart(p.Location, "text/plain", p.Text))], [], [], []);
}
