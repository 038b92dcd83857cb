using System.Collections.Concurrent;
using System.Globalization;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Rewrites the entries of a PROPFIND answer so <c>getcontentlength</c> is the plaintext size
/// and, for envelopes, <c>getetag</c> the ETag GET gives.
/// </summary>
/// <remarks>
/// The plaintext length is a pure function of the stored length and the envelope's header
/// length, and header lengths vary (context, wrapped key). The proxy learns each object's
/// header from a short <c>Range</c> probe of its first bytes, in the store that listed it, and
/// caches the result by (store, path, stored length, last modified), so a listing probes only
/// objects it has not seen in that version; objects in clear keep their size and tag. A result
/// is cached only once the store's clock has passed the version's second: until then another
/// version of the same size may still get the same date (and nginx ETag), and its ETag must
/// not be the cached one of the version before.
/// </remarks>
internal sealed class PropfindRewriter(
    IDocumentEnvelopes envelopes,
    IOptions<DocumentProxyOptions> options)
{
    private const int MaxCacheEntries = 100_000;
    private static readonly XNamespace Dav = MultistatusMerge.Dav;

    private readonly ConcurrentDictionary<(string Store, string Path, long Length, string? Modified), ListedObject> _objects = new();

    /// <summary>Rewrites <paramref name="entries"/> (listing entries and the store that listed each) in place.</summary>
    public async Task RewriteAsync(IReadOnlyList<(XElement Response, ClusterState Store)> entries, CancellationToken cancellationToken)
    {
        DocumentProxyOptions settings = options.Value;
        var objects = entries
            .Select(entry => (entry.Store, Href: entry.Response.Element(Dav + "href")?.Value,
                Lengths: entry.Response.Descendants(Dav + "getcontentlength").ToList(),
                ETags: entry.Response.Descendants(Dav + "getetag").ToList(),
                Modified: entry.Response.Descendants(Dav + "getlastmodified").FirstOrDefault()?.Value))
            .Where(item => item.Href is not null && (item.Lengths.Count > 0 || item.ETags.Count > 0))
            .ToList();
        using var gate = new SemaphoreSlim(settings.PropfindProbeConcurrency);
        await Task.WhenAll(objects.Select(async item =>
        {
            long? stored = null;
            if (item.Lengths.Count > 0)
            {
                if (!long.TryParse(item.Lengths[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long length))
                {
                    return;
                }

                stored = length;
            }

            await gate.WaitAsync(cancellationToken);
            ListedObject listed;
            try
            {
                listed = await DescribeAsync(item.Store, item.Href!, stored, item.Modified, settings.ProbeBytes, cancellationToken);
            }
            finally
            {
                gate.Release();
            }

            foreach (XElement length in item.Lengths)
            {
                length.Value = listed.Length?.ToString(CultureInfo.InvariantCulture) ?? length.Value;
            }

            if (listed.ETag is not null)
            {
                foreach (XElement etag in item.ETags)
                {
                    etag.Value = listed.ETag;
                }
            }
        }));
    }

    private async Task<ListedObject> DescribeAsync(ClusterState store, string href, long? stored, string? modified, int probeBytes, CancellationToken cancellationToken)
    {
        string path = MultistatusMerge.PathOf(href);
        if (!path.StartsWith('/'))
        {
            // A relative href (RFC 4918 allows it, nginx never sends one): not probed, its size kept.
            return new ListedObject(stored, null);
        }

        var key = (store.ClusterId, path, stored ?? -1, modified);
        if (_objects.TryGetValue(key, out ListedObject? known))
        {
            return known;
        }

        if (stored == 0)
        {
            // Never an envelope (an envelope has at least a header and a tag).
            return new ListedObject(0, null);
        }

        UpstreamProbeResult probe = await UpstreamClient.ProbeAsync(store, PathString.FromUriComponent(path), probeBytes, cancellationToken);
        EnvelopeProbe envelope = probe.Exists ? envelopes.Probe(probe.Prefix.Span, probe.IsWholeObject) : new EnvelopeProbe(EnvelopeProbeStatus.NotEnvelope);
        var result = new ListedObject(stored, null);
        if (envelope is { Status: EnvelopeProbeStatus.Envelope, Header: { } header })
        {
            long? plaintextLength = stored is long length && envelopes.TryGetPlaintextLength(length, header.HeaderLength, out long plaintext)
                ? plaintext
                : stored;
            result = new ListedObject(plaintextLength, EntityTags.ForPlaintext(probe, header));
        }

        if (IsSettled(probe, modified))
        {
            if (_objects.Count >= MaxCacheEntries)
            {
                _objects.Clear();
            }

            _objects[key] = result;
        }

        return result;
    }

    /// <summary>
    /// True when the probed version is the listed one and the store's clock is past its second:
    /// no later version can then share its date.
    /// </summary>
    private static bool IsSettled(UpstreamProbeResult probe, string? modified) =>
        probe.LastModified is DateTimeOffset version
        && probe.Date is DateTimeOffset now
        && now >= version.AddSeconds(1)
        && modified is not null
        && DateTimeOffset.TryParseExact(modified, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out DateTimeOffset listed)
        && listed == version;

    /// <summary>What a listing reports for one object: null keeps the store's value.</summary>
    private sealed record ListedObject(long? Length, string? ETag);
}
