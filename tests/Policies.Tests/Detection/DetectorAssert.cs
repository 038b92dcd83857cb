using Sovereignty.Policies.Detection;

namespace Sovereignty.Policies.Tests.Detection;

internal static class DetectorAssert
{
    public static IDetector Create(string type, DetectorSettings? settings = null)
    {
        Assert.True(BuiltInDetectors.TryCreate(type, settings ?? DetectorSettings.Default, out var detector));
        return detector;
    }

    /// <summary>Asserts exactly one hit, at the offset and length where <paramref name="value"/> sits in <paramref name="text"/>.</summary>
    public static DetectorHit SingleHitAt(IDetector detector, string text, string value)
    {
        var hits = detector.Scan(text, "body");
        var hit = Assert.Single(hits);
        Assert.Equal(text.IndexOf(value, StringComparison.Ordinal), hit.Offset);
        Assert.Equal(value.Length, hit.Length);
        Assert.Equal("body", hit.Location);
        Assert.Equal(detector.Name, hit.Detector);
        return hit;
    }

    public static void NoHit(IDetector detector, string text) => Assert.Empty(detector.Scan(text, "body"));
}
