using System.Text.RegularExpressions;
using Sovereignty.Policies.Extraction;

namespace Sovereignty.Policies.Detection;

/// <summary>
/// Runs detectors over every part of extracted content and applies each detector's minimum
/// count across the whole content (three IBANs in three attachments count as three).
/// </summary>
public static class ContentScanner
{
    /// <summary>
    /// Scans <paramref name="content"/> with <paramref name="detectors"/>. A detector whose
    /// pattern times out on a part does not stop the scan: that part is reported as
    /// unscannable (<see cref="UnscannableReason.LimitExceeded"/>) so policies fail closed.
    /// </summary>
    public static ContentScanResult Scan(IReadOnlyList<IDetector> detectors, ExtractedContent content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(detectors);
        ArgumentNullException.ThrowIfNull(content);
        var hits = new List<DetectorHit>();
        var failures = new List<UnscannableContent>();
        foreach (var detector in detectors)
        {
            var detectorHits = new List<DetectorHit>();
            foreach (var part in content.Parts)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    detectorHits.AddRange(detector.Scan(part.Text, part.Location));
                }
                catch (RegexMatchTimeoutException)
                {
                    failures.Add(new UnscannableContent(part.Location, UnscannableReason.LimitExceeded, $"detector '{detector.Name}' timed out"));
                }
            }

            if (detectorHits.Count >= detector.MinCount)
            {
                hits.AddRange(detectorHits);
            }
        }

        return new ContentScanResult(hits, failures);
    }
}

/// <summary>The hits of a content scan, and the parts a detector could not finish.</summary>
/// <param name="Hits">Hits of every detector whose minimum count was reached.</param>
/// <param name="Unscannable">Parts on which a detector timed out.</param>
public sealed record ContentScanResult(IReadOnlyList<DetectorHit> Hits, IReadOnlyList<UnscannableContent> Unscannable);
