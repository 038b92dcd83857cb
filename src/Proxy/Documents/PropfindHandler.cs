using System.Text;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// PROPFIND: asks every store of the route and answers one 207 that merges their listings
/// (<see cref="MultistatusMerge"/>), with plaintext sizes and ETags (<see cref="PropfindRewriter"/>).
/// A document's label decides its store, so a folder's documents are spread over the stores and
/// a listing of the first store alone misses those in the others, although GET serves them.
/// </summary>
/// <remarks>
/// Answers: the merged 207 when a store has the path; 404 when none has it; 503 + Retry-After
/// when a store cannot be reached or fails (5xx), since a folder listed without it would look
/// complete and be missing documents; a store's other refusal (e.g. 403 for <c>Depth:
/// infinity</c>) as it gave it; 502 when the stores' answers together exceed
/// <see cref="DocumentProxyOptions.MaxPropfindResponseBytes"/> or one is not XML. The client's
/// body goes to each store unchanged, with its <c>Depth</c>; <c>Accept-Encoding</c> does not
/// (the answers are parsed, and compressed ones could not be).
/// </remarks>
internal sealed class PropfindHandler(
    DocumentStores stores,
    PropfindRewriter rewriter,
    IOptions<DocumentProxyOptions> options,
    ILogger<PropfindHandler> logger)
{
    /// <summary>Largest PROPFIND request body accepted (property names; real ones are a few KiB).</summary>
    private const int MaxRequestBodyBytes = 1024 * 1024;

    private static readonly HttpMethod Propfind = new("PROPFIND");

    /// <summary>Answers the PROPFIND here.</summary>
    public async Task AnswerAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        DocumentProxyOptions settings = options.Value;
        CancellationToken aborted = context.RequestAborted;
        string routeId = proxy.Route.Config.RouteId;
        string objectId = ObjectIdentity.Of(routeId, context.Request.Path.Value ?? "/");
        byte[]? body = await ReadBodyAsync(context.Request, aborted);
        if (body is null)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "PROPFIND body too large",
                $"A PROPFIND body may be at most {MaxRequestBodyBytes} bytes.", correlationId: context.TraceIdentifier);
            return;
        }

        IReadOnlyList<ClusterState> routeStores = stores.Existing(proxy.Route);
        if (routeStores.Count == 0)
        {
            DocumentProxyLog.StoreUnavailable(logger, objectId, routeId);
            await UnavailableAsync(context, "No store of this document space is configured and available now.");
            return;
        }

        var budget = new ReadBudget(settings.MaxPropfindResponseBytes);
        var request = new StoreRequest(context.Request.Path, context.Request.QueryString, context.Request.Headers["Depth"].FirstOrDefault(),
            body, context.Request.ContentType);
        StoreAnswer[] answers = await Task.WhenAll(routeStores.Select(store => AskAsync(store, request, budget, aborted)));

        StoreAnswer[] unavailable = [.. answers.Where(a => a.Unavailable)];
        if (unavailable.Length > 0)
        {
            foreach (StoreAnswer store in unavailable)
            {
                DocumentProxyLog.ListingStoreUnavailable(logger, objectId, store.Store.ClusterId, store.Outcome, store.Error);
            }

            await UnavailableAsync(context,
                $"Store(s) {string.Join(", ", unavailable.Select(s => s.Store.ClusterId))} could not be reached, so the listing would be incomplete.");
            return;
        }

        if (answers.Any(a => a.TooLarge))
        {
            DocumentProxyLog.PropfindTooLarge(logger, context.Request.Path.Value ?? "/", settings.MaxPropfindResponseBytes);
            await ProblemResponses.WriteAsync(context, StatusCodes.Status502BadGateway, "Listing too large",
                "The folder listing is larger than this gateway rewrites; list a smaller folder (Depth: 1).",
                correlationId: context.TraceIdentifier);
            return;
        }

        if (answers.FirstOrDefault(a => a.StatusCode is not (StatusCodes.Status207MultiStatus or StatusCodes.Status404NotFound)) is { } refusing)
        {
            await ProblemResponses.WriteAsync(context, refusing.StatusCode!.Value, "Document store refused the listing",
                $"Store {refusing.Store.ClusterId} answered {refusing.StatusCode} to this PROPFIND.", correlationId: context.TraceIdentifier);
            return;
        }

        StoreAnswer[] listed = [.. answers.Where(a => a.StatusCode == StatusCodes.Status207MultiStatus)];
        if (listed.Length == 0)
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
                "No store of this document space holds this path.", correlationId: context.TraceIdentifier);
            return;
        }

        var listings = new List<(ClusterState Store, XDocument Listing)>();
        foreach (StoreAnswer answer in listed)
        {
            XDocument? parsed = Parse(answer.Body!);
            if (parsed?.Root?.Name != MultistatusMerge.Dav + "multistatus")
            {
                await ProblemResponses.WriteAsync(context, StatusCodes.Status502BadGateway, "Invalid listing from the store",
                    $"The PROPFIND answer of store {answer.Store.ClusterId} is not a WebDAV multistatus.", correlationId: context.TraceIdentifier);
                return;
            }

            listings.Add((answer.Store, parsed));
        }

        MergedListing<ClusterState> merged = MultistatusMerge.Merge(listings);
        try
        {
            await rewriter.RewriteAsync(merged.Entries, aborted);
        }
        catch (HttpRequestException e)
        {
            // A store went away between its listing and the probe of an object it listed.
            DocumentProxyLog.ListingStoreUnavailable(logger, objectId, "(probe)", "unreachable", e);
            await UnavailableAsync(context, "A store could not be reached while the listing was read.");
            return;
        }

        await WriteAsync(context.Response, merged.Document, listed[0].ContentType, aborted);
    }

    private static async Task<StoreAnswer> AskAsync(ClusterState store, StoreRequest request, ReadBudget budget, CancellationToken cancellationToken)
    {
        IReadOnlyList<DestinationState> destinations = store.DestinationsState.AvailableDestinations;
        if (destinations.Count == 0)
        {
            return new StoreAnswer(store, null, null, null, null, TooLarge: false);
        }

        var uri = new Uri(UpstreamClient.Combine(destinations[0], request.Path).AbsoluteUri + request.Query.ToUriComponent());
        using var message = new HttpRequestMessage(Propfind, uri);
        if (!string.IsNullOrEmpty(request.Depth))
        {
            message.Headers.TryAddWithoutValidation("Depth", request.Depth);
        }

        if (request.Body.Length > 0)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
        }

        try
        {
            using HttpResponseMessage response = await store.Model.HttpClient.SendAsync(message, cancellationToken);
            int status = (int)response.StatusCode;
            if (status != StatusCodes.Status207MultiStatus)
            {
                return new StoreAnswer(store, status, null, null, null, TooLarge: false);
            }

            byte[]? body = await ReadBoundedAsync(response.Content, budget, cancellationToken);
            return new StoreAnswer(store, status, body, response.Content.Headers.ContentType?.ToString(), null, TooLarge: body is null);
        }
        catch (HttpRequestException e)
        {
            return new StoreAnswer(store, null, null, null, e, TooLarge: false);
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxRequestBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a store's answer while the listing's shared byte budget lasts; null when it runs out.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(HttpContent content, ReadBudget budget, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        byte[] chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (!budget.TryTake(read))
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static XDocument? Parse(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body), new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            return XDocument.Load(reader, LoadOptions.None);
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static async Task WriteAsync(HttpResponse response, XDocument document, string? contentType, CancellationToken cancellationToken)
    {
        using var output = new MemoryStream();
        await using (var writer = XmlWriter.Create(output, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Async = true }))
        {
            await document.SaveAsync(writer, cancellationToken);
        }

        response.StatusCode = StatusCodes.Status207MultiStatus;
        response.ContentType = contentType ?? "application/xml; charset=utf-8";
        response.ContentLength = output.Length;
        await response.Body.WriteAsync(output.GetBuffer().AsMemory(0, (int)output.Length), cancellationToken);
    }

    private Task UnavailableAsync(HttpContext context, string why) =>
        ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Document store unavailable", why + " Retry later.",
            retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: context.TraceIdentifier);

    private sealed record StoreRequest(PathString Path, QueryString Query, string? Depth, byte[] Body, string? ContentType);

    /// <summary>One store's answer to the PROPFIND.</summary>
    /// <param name="Store">The store.</param>
    /// <param name="StatusCode">Its status; null when it could not be reached.</param>
    /// <param name="Body">Its 207 body (null otherwise, or when over the budget).</param>
    /// <param name="ContentType">Its 207's media type.</param>
    /// <param name="Error">Why it could not be reached (null when it has no reachable destination).</param>
    /// <param name="TooLarge">Its answer did not fit in what was left of the listing's budget.</param>
    private sealed record StoreAnswer(ClusterState Store, int? StatusCode, byte[]? Body, string? ContentType, Exception? Error, bool TooLarge)
    {
        public bool Unavailable => StatusCode is null or >= 500;

        public string Outcome => StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unreachable";
    }

    /// <summary>The bytes the stores' answers may take together: the merged listing is bounded, not each part.</summary>
    private sealed class ReadBudget(int bytes)
    {
        private int _left = bytes;

        public bool TryTake(int count) => Interlocked.Add(ref _left, -count) >= 0;
    }
}
