using System.Globalization;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Sovereignty.KeyService;
using Sovereignty.Proxy.Identity;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Downloads (GET, HEAD): probe the object's first bytes in the store; objects in clear pass
/// through for callers allowed to read them; for envelopes, authorise the caller for the
/// label, unwrap the data key, and either answer at once (HEAD, small objects held by the
/// probe) or let YARP fetch exactly the ciphertext segments the plaintext range needs.
/// </summary>
internal sealed class DocumentDownloadHandler(
    IDocumentPolicy policy,
    IDocumentEnvelopes envelopes,
    DocumentStores stores,
    DocumentAudit audit,
    IOptions<DocumentProxyOptions> options,
    ILogger<DocumentDownloadHandler> logger)
{
    private const int MaxProbeBytes = 1024 * 1024;

    /// <summary>Prepares the request for forwarding; false when the request was answered here.</summary>
    public async Task<bool> PrepareAsync(HttpContext context, CallerIdentity caller, IReverseProxyFeature proxy)
    {
        DocumentProxyOptions settings = options.Value;
        CancellationToken aborted = context.RequestAborted;
        string routeId = proxy.Route.Config.RouteId;
        string objectId = ObjectIdentity.Of(routeId, context.Request.Path.Value ?? "/");

        (ClusterState? store, UpstreamProbeResult? probe) = await FindAsync(context, proxy, settings.ProbeBytes);
        if (store is null || probe is null)
        {
            DocumentProxyLog.StoreUnavailable(logger, objectId, routeId);
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Document store unavailable",
                "No store of this document space is reachable now. Retry later.",
                retryAfterSeconds: settings.RetryAfterSeconds, correlationId: context.TraceIdentifier);
            return false;
        }

        context.ReassignProxyRequest(store);
        if (!probe.Exists)
        {
            // 404, 403 … from the store: YARP relays the store's own answer.
            return true;
        }

        EnvelopeProbe envelope = envelopes.Probe(probe.Prefix.Span);
        if (envelope.Status == EnvelopeProbeStatus.NeedMoreData && envelope.NeededBytes is > 0 and <= MaxProbeBytes)
        {
            probe = await UpstreamClient.ProbeAsync(store, context.Request.Path, envelope.NeededBytes, aborted);
            envelope = probe.Exists ? envelopes.Probe(probe.Prefix.Span) : new EnvelopeProbe(EnvelopeProbeStatus.Invalid);
        }

        if (envelope.Status == EnvelopeProbeStatus.NotEnvelope)
        {
            ReadDecision clear = policy.DecideRead(caller, null);
            if (!clear.Allowed)
            {
                await DenyAsync(context, caller, objectId, null, null, clear);
                return false;
            }

            return true;
        }

        string storeId = store.ClusterId;
        if (envelope.Status != EnvelopeProbeStatus.Envelope || envelope.Header is null)
        {
            await TamperedAsync(context, caller, objectId, null, storeId, null);
            return false;
        }

        EnvelopeHeaderInfo header = envelope.Header;
        ReadDecision read = policy.DecideRead(caller, header.Label);
        if (!read.Allowed)
        {
            await DenyAsync(context, caller, objectId, header, header.Label, read);
            return false;
        }

        if (probe.TotalLength is not long total || !envelopes.TryGetPlaintextLength(total, header.HeaderLength, out long plaintextLength))
        {
            await TamperedAsync(context, caller, objectId, header, storeId, read);
            return false;
        }

        string? etag = EntityTags.ForPlaintext(probe.ETag);
        HttpResponse response = context.Response;
        bool isHead = HttpMethods.IsHead(context.Request.Method);
        if (EntityTags.Matches(context.Request.Headers.IfNoneMatch, etag, weakComparison: true))
        {
            SetRepresentationHeaders(response, etag, probe);
            response.StatusCode = StatusCodes.Status304NotModified;
            return false;
        }

        long offset = 0;
        long count = plaintextLength;
        ByteRangeRequest range = default;
        bool isRange = !isHead && ByteRangeRequest.TryParse(context.Request.Headers.Range, out range)
            && IfRangeHolds(context.Request, etag);
        if (isRange)
        {
            if (!range.TryResolve(plaintextLength, out offset, out count))
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = "bytes */" + plaintextLength.ToString(CultureInfo.InvariantCulture);
                SetRepresentationHeaders(response, etag, probe);
                return false;
            }
        }

        if (isHead)
        {
            response.StatusCode = StatusCodes.Status200OK;
            SetRepresentationHeaders(response, etag, probe);
            response.ContentLength = plaintextLength;
            return false;
        }

        IEnvelopeDecryptor decryptor;
        try
        {
            decryptor = await envelopes.OpenAsync(header,
                caller.ToKeyUse(objectId, read.Rule, read.PolicyVersion, context.TraceIdentifier), aborted);
        }
        catch (KeyServiceException e)
        {
            if (e.Kind == KeyErrorKind.InvalidData)
            {
                await TamperedAsync(context, caller, objectId, header, storeId, read);
                return false;
            }

            await KeyServiceFailure.AnswerAsync(context, e, objectId, settings.RetryAfterSeconds, logger);
            return false;
        }

        if (count == 0)
        {
            decryptor.Dispose();
            response.StatusCode = StatusCodes.Status200OK;
            SetRepresentationHeaders(response, etag, probe);
            response.ContentLength = 0;
            return false;
        }

        (long first, long last) = envelopes.CiphertextRange(offset, count, plaintextLength, header.HeaderLength);
        var plan = new DownloadPlanFeature(decryptor, header, store, probe.ETag ?? string.Empty,
            plaintextLength, offset, count, first, last, isRange);
        if (last < probe.Prefix.Length)
        {
            // The probe already holds every needed byte (small objects): answer without a second request.
            using (plan)
            {
                StartDecryptedResponse(response, plan, etag, probe.ContentType, probe.LastModified);
                using var ciphertext = new MemoryStream(probe.Prefix[(int)first..((int)last + 1)].ToArray(), writable: false);
                await DecryptToResponseAsync(context, plan, ciphertext, caller, objectId);
            }

            return false;
        }

        context.Features.Set(plan);
        context.Response.RegisterForDispose(plan);
        return true;
    }

    /// <summary>
    /// Response side of a forwarded decrypting download: replaces the store's ciphertext with
    /// the plaintext of the planned range.
    /// </summary>
    public async Task CompleteForwardedAsync(ResponseTransformContext context, DownloadPlanFeature plan)
    {
        HttpContext http = context.HttpContext;
        HttpResponseMessage? upstream = context.ProxyResponse;
        if (upstream is null)
        {
            return;
        }

        context.SuppressResponseBody = true;
        CallerIdentity caller = http.GetCaller() ?? throw new InvalidOperationException("A decrypting download lost its caller.");
        string objectId = ObjectIdentity.Of(plan.Store.ClusterId, http.Request.Path.Value ?? "/");
        if (upstream.StatusCode == System.Net.HttpStatusCode.PreconditionFailed)
        {
            await ProblemResponses.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "Document changed while being read",
                "The document was replaced in the store between reading its header and its content. Retry.",
                retryAfterSeconds: 1, correlationId: http.TraceIdentifier);
            return;
        }

        if (upstream.StatusCode is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.PartialContent))
        {
            await ProblemResponses.WriteAsync(http, StatusCodes.Status502BadGateway, "Document store error",
                $"The store answered {(int)upstream.StatusCode} while the document was being read.",
                correlationId: http.TraceIdentifier);
            return;
        }

        StartDecryptedResponse(http.Response, plan, EntityTags.ForPlaintext(plan.UpstreamETag),
            upstream.Content.Headers.ContentType?.ToString(), upstream.Content.Headers.LastModified);
        Stream ciphertext = await upstream.Content.ReadAsStreamAsync(context.CancellationToken);
        if (upstream.StatusCode == System.Net.HttpStatusCode.OK && plan.CiphertextFirst > 0)
        {
            // The store ignored the Range request: skip to the first needed segment.
            await SkipAsync(ciphertext, plan.CiphertextFirst, context.CancellationToken);
        }

        await DecryptToResponseAsync(http, plan, ciphertext, caller, objectId);
    }

    /// <summary>Sets status and headers of a decrypted answer (plaintext length, range, ETag).</summary>
    public static void StartDecryptedResponse(HttpResponse response, DownloadPlanFeature plan, string? etag, string? contentType, DateTimeOffset? lastModified)
    {
        response.Headers.Remove(HeaderNames.ContentRange);
        response.Headers.Remove(HeaderNames.ETag);
        response.Headers.Remove(HeaderNames.ContentLength);
        response.Headers.Remove(HeaderNames.ContentMD5);
        response.StatusCode = plan.IsRange ? StatusCodes.Status206PartialContent : StatusCodes.Status200OK;
        response.ContentLength = plan.Count;
        response.Headers.AcceptRanges = "bytes";
        if (plan.IsRange)
        {
            response.Headers.ContentRange = string.Create(CultureInfo.InvariantCulture,
                $"bytes {plan.Offset}-{plan.Offset + plan.Count - 1}/{plan.PlaintextLength}");
        }

        if (etag is not null)
        {
            response.Headers.ETag = etag;
        }

        if (contentType is not null)
        {
            response.ContentType = contentType;
        }

        if (lastModified is DateTimeOffset modified)
        {
            response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>
    /// Decrypts the planned range from <paramref name="ciphertext"/> into the response. A
    /// segment that fails authentication aborts the response (the client sees a reset,
    /// never unauthenticated plaintext) and is recorded in the audit log.
    /// </summary>
    public async Task DecryptToResponseAsync(HttpContext context, DownloadPlanFeature plan, Stream ciphertext, CallerIdentity caller, string objectId)
    {
        try
        {
            await plan.Decryptor.DecryptRangeAsync(ciphertext, plan.PlaintextLength, plan.Offset, plan.Count,
                context.Response.Body, context.RequestAborted);
        }
        catch (EnvelopeTamperedException e)
        {
            DocumentProxyLog.CiphertextTampered(logger, objectId, plan.Store.ClusterId, e);
            await audit.TamperedAsync(plan.Header,
                caller.ToKeyUse(objectId, "envelope-authentication", null, context.TraceIdentifier), plan.Store.ClusterId, context.RequestAborted);
            context.Abort();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
        {
            DocumentProxyLog.DownloadStreamFailed(logger, objectId, e);
            context.Abort();
        }
    }

    private async Task<(ClusterState? Store, UpstreamProbeResult? Probe)> FindAsync(HttpContext context, IReverseProxyFeature proxy, int probeBytes)
    {
        IReadOnlyList<ClusterState> readable = stores.Readable(proxy.Route);
        UpstreamProbeResult? firstMiss = null;
        ClusterState? firstStore = null;
        foreach (ClusterState store in readable)
        {
            UpstreamProbeResult probe;
            try
            {
                probe = await UpstreamClient.ProbeAsync(store, context.Request.Path, probeBytes, context.RequestAborted);
            }
            catch (HttpRequestException)
            {
                continue;
            }

            if (probe.StatusCode != StatusCodes.Status404NotFound)
            {
                return (store, probe);
            }

            if (firstMiss is null)
            {
                (firstStore, firstMiss) = (store, probe);
            }
        }

        return (firstStore, firstMiss);
    }

    private async Task DenyAsync(HttpContext context, CallerIdentity caller, string objectId, EnvelopeHeaderInfo? header, string? label, ReadDecision read)
    {
        DocumentProxyLog.ReadDenied(logger, objectId, label, caller.Subject, read.Rule);
        await audit.ReadDeniedAsync(header, caller.ToKeyUse(objectId, read.Rule, read.PolicyVersion, context.TraceIdentifier),
            label, context.RequestAborted);
        await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Not allowed to read this document",
            read.Reason ?? $"Documents labelled '{label ?? "(clear)"}' may not be read by '{caller.Subject}'. Ask the document's owner or your security officer for access.",
            read.Rule, correlationId: context.TraceIdentifier);
    }

    private async Task TamperedAsync(HttpContext context, CallerIdentity caller, string objectId, EnvelopeHeaderInfo? header, string store, ReadDecision? read)
    {
        DocumentProxyLog.CiphertextTampered(logger, objectId, store, null);
        await audit.TamperedAsync(header,
            caller.ToKeyUse(objectId, read?.Rule ?? "envelope-authentication", read?.PolicyVersion, context.TraceIdentifier), store, context.RequestAborted);
        await ProblemResponses.WriteAsync(context, StatusCodes.Status502BadGateway, "Stored document failed authentication",
            "The stored envelope is malformed, truncated or was modified in the store; it was not released. The event is in the audit log.",
            correlationId: context.TraceIdentifier);
    }

    private static async Task SkipAsync(Stream stream, long bytes, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        while (bytes > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, bytes)), cancellationToken);
            if (read == 0)
            {
                throw new EnvelopeTamperedException("The stored envelope is shorter than its length says.");
            }

            bytes -= read;
        }
    }

    private static bool IfRangeHolds(HttpRequest request, string? etag)
    {
        string? ifRange = request.Headers.IfRange;
        return string.IsNullOrEmpty(ifRange) || EntityTags.Matches(ifRange, etag, weakComparison: false);
    }

    private static void SetRepresentationHeaders(HttpResponse response, string? etag, UpstreamProbeResult probe)
    {
        response.Headers.AcceptRanges = "bytes";
        if (etag is not null)
        {
            response.Headers.ETag = etag;
        }

        if (probe.ContentType is not null)
        {
            response.ContentType = probe.ContentType;
        }

        if (probe.LastModified is DateTimeOffset modified)
        {
            response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
        }
    }
}
