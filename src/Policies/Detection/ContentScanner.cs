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
        // Part by part, every detector over a part before the next: a part's text is read from
        // the cache by the detectors after the first instead of from memory each time (a mail's
        // text is several times the size of the cache). Hits and failures are still gathered
        // per detector, so the result is the same, in the same order, as detector by detector.
        var detectorHits = new List<DetectorHit>[detectors.Count];
        var detectorFailures = new List<UnscannableContent>?[detectors.Count];
        for (var d = 0; d < detectors.Count; d++)
        {
            detectorHits[d] = [];
        }

        foreach (var part in content.Parts)
        {
            for (var d = 0; d < detectors.Count; d++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                try
                {
                    detectorHits[d].AddRange(detectors[d].Scan(part.Text, part.Location));
                }
                catch (RegexMatchTimeoutException)
                {
                    (detectorFailures[d] ??= []).Add(new UnscannableContent(part.Location, UnscannableReason.LimitExceeded, $"detector '{detectors[d].Name}' timed out"));
                }
            }
        }

        var hits = new List<DetectorHit>();
        var failures = new List<UnscannableContent>();
        for (var d = 0; d < detectors.Count; d++)
        {
            if (detectorHits[d].Count >= detectors[d].MinCount)
            {
                hits.AddRange(detectorHits[d]);
            }

            if (detectorFailures[d] is { } failed)
            {
                failures.AddRange(failed);
            }
        }

        return new ContentScanResult(hits, failures);
    }
}

/// <summary>The hits of a content scan, and the parts a detector could not finish.</summary>
/// <param name="Hits">Hits of every detector whose minimum count was reached.</param>
/// <param name="Unscannable">Parts on which a detector timed out.</param>
public sealed record ContentScanResult(IReadOnlyList<DetectorHit> Hits, IReadOnlyList<UnscannableContent> Unscannable);
