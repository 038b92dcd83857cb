using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Rewrites WebDAV PROPFIND answers so <c>getcontentlength</c> is the plaintext size.
/// </summary>
/// <remarks>
/// The plaintext length is a pure function of the stored length and the envelope's header
/// length, and header lengths vary (context, wrapped key). The proxy learns each object's
/// header length from a short <c>Range</c> probe of its first bytes and caches the result by
/// (store, path, stored length, last modified), so a listing probes only objects it has not
/// seen in that version; objects in clear keep their size.
/// </remarks>
internal sealed class PropfindRewriter(
    IDocumentEnvelopes envelopes,
    IOptions<DocumentProxyOptions> options,
    ILogger<PropfindRewriter> logger)
{
    private const int MaxCacheEntries = 100_000;
    private static readonly XNamespace Dav = "DAV:";

    private readonly ConcurrentDictionary<(string Store, string Path, long Length, string? Modified), long> _plaintextLengths = new();

    public async Task RewriteAsync(ResponseTransformContext context, PropfindFeature listing)
    {
        HttpResponseMessage? upstream = context.ProxyResponse;
        if (upstream is null || (int)upstream.StatusCode != StatusCodes.Status207MultiStatus)
        {
            return;
        }

        HttpContext http = context.HttpContext;
        DocumentProxyOptions settings = options.Value;
        context.SuppressResponseBody = true;
        byte[]? body = await ReadBoundedAsync(upstream.Content, settings.MaxPropfindResponseBytes, context.CancellationToken);
        if (body is null)
        {
            DocumentProxyLog.PropfindTooLarge(logger, http.Request.Path.Value ?? "/", settings.MaxPropfindResponseBytes);
            await ProblemResponses.WriteAsync(http, StatusCodes.Status502BadGateway, "Listing too large",
                "The folder listing is larger than this gateway rewrites; list a smaller folder (Depth: 1).",
                correlationId: http.TraceIdentifier);
            return;
        }

        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, Async = true });
            document = await XDocument.LoadAsync(reader, LoadOptions.None, context.CancellationToken);
        }
        catch (XmlException)
        {
            await ProblemResponses.WriteAsync(http, StatusCodes.Status502BadGateway, "Invalid listing from the store",
                "The store's PROPFIND answer is not valid XML.", correlationId: http.TraceIdentifier);
            return;
        }

        var lengths = document.Descendants(Dav + "response")
            .Select(response => (Href: response.Element(Dav + "href")?.Value, Length: response.Descendants(Dav + "getcontentlength").FirstOrDefault(),
                Modified: response.Descendants(Dav + "getlastmodified").FirstOrDefault()?.Value))
            .Where(item => item.Href is not null && item.Length is not null)
            .ToList();
        using var gate = new SemaphoreSlim(settings.PropfindProbeConcurrency);
        await Task.WhenAll(lengths.Select(async item =>
        {
            if (!long.TryParse(item.Length!.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long stored))
            {
                return;
            }

            await gate.WaitAsync(context.CancellationToken);
            try
            {
                long plaintext = await PlaintextLengthAsync(listing, item.Href!, stored, item.Modified, settings.ProbeBytes, context.CancellationToken);
                item.Length.Value = plaintext.ToString(CultureInfo.InvariantCulture);
            }
            finally
            {
                gate.Release();
            }
        }));

        using var output = new MemoryStream();
        await using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = true }))
        {
            await document.SaveAsync(writer, context.CancellationToken);
        }

        http.Response.Headers.Remove(Microsoft.Net.Http.Headers.HeaderNames.ContentLength);
        http.Response.ContentLength = output.Length;
        await http.Response.Body.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), context.CancellationToken);
    }

    private async Task<long> PlaintextLengthAsync(PropfindFeature listing, string href, long stored, string? modified, int probeBytes, CancellationToken cancellationToken)
    {
        string path = Uri.TryCreate(href, UriKind.Absolute, out Uri? absolute) ? absolute.AbsolutePath : href;
        var key = (listing.Store.ClusterId, path, stored, modified);
        if (_plaintextLengths.TryGetValue(key, out long known))
        {
            return known;
        }

        long result = stored;
        if (stored > 0)
        {
            UpstreamProbeResult probe = await UpstreamClient.ProbeAsync(listing.Store, PathString.FromUriComponent(path), probeBytes, cancellationToken);
            EnvelopeProbe envelope = probe.Exists ? envelopes.Probe(probe.Prefix.Span, probe.IsWholeObject) : new EnvelopeProbe(EnvelopeProbeStatus.NotEnvelope);
            if (envelope is { Status: EnvelopeProbeStatus.Envelope, Header: { } header }
                && envelopes.TryGetPlaintextLength(stored, header.HeaderLength, out long plaintext))
            {
                result = plaintext;
            }
        }

        if (_plaintextLengths.Count >= MaxCacheEntries)
        {
            _plaintextLengths.Clear();
        }

        _plaintextLengths[key] = result;
        return result;
    }

    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        while (true)
        {
            int read = await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return buffer.ToArray();
            }

            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }
    }
}
