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

        (ClusterState? store, UpstreamProbeResult? probe, _) = await StoreSearch.FindAsync(
            stores.Existing(proxy.Route), context.Request.Path, settings.ProbeBytes, aborted);
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

        EnvelopeProbe envelope = envelopes.Probe(probe.Prefix.Span, probe.IsWholeObject);
        if (envelope.Status == EnvelopeProbeStatus.NeedMoreData && envelope.NeededBytes is > 0 and <= MaxProbeBytes)
        {
            probe = await UpstreamClient.ProbeAsync(store, context.Request.Path, envelope.NeededBytes, aborted);
            envelope = probe.Exists ? envelopes.Probe(probe.Prefix.Span, probe.IsWholeObject) : new EnvelopeProbe(EnvelopeProbeStatus.Invalid);
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
        ReadDecision read = policy.DecideRead(caller, header);
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

        string? etag = EntityTags.ForPlaintext(probe, header);
        HttpResponse response = context.Response;
        bool isHead = HttpMethods.IsHead(context.Request.Method);
        PreconditionOutcome precondition = DownloadPreconditions.Evaluate(context.Request.Headers, etag, probe.LastModified);
        if (precondition != PreconditionOutcome.Proceed)
        {
            SetRepresentationHeaders(response, etag, probe);
            response.StatusCode = precondition == PreconditionOutcome.NotModified
                ? StatusCodes.Status304NotModified
                : StatusCodes.Status412PreconditionFailed;
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

        if (count == 0)
        {
            response.StatusCode = StatusCodes.Status200OK;
            SetRepresentationHeaders(response, etag, probe);
            response.ContentLength = 0;
            return false;
        }

        (long first, long last) = envelopes.CiphertextRange(offset, count, plaintextLength, header.HeaderLength);
        var plan = new DownloadPlanFeature(header, probe.Prefix, store, objectId, probe.ETag ?? string.Empty, etag, total,
            plaintextLength, offset, count, first, last, isRange, read.Rule, read.PolicyVersion);
        if (last < probe.Prefix.Length)
        {
            // The probe already holds every needed byte (small objects): answer without a second request.
            var source = new ProbedCiphertextSource(total, probe.Prefix, first, segments: null);
            await DecryptToResponseAsync(context, plan, source, caller, probe.ContentType, probe.LastModified);
            return false;
        }

        context.Features.Set(plan);
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

        Stream ciphertext = await upstream.Content.ReadAsStreamAsync(context.CancellationToken);
        if (upstream.StatusCode == System.Net.HttpStatusCode.OK && plan.CiphertextFirst > 0)
        {
            // The store ignored the Range request: skip to the first needed segment.
            await SkipAsync(ciphertext, plan.CiphertextFirst, context.CancellationToken);
        }

        var source = new ProbedCiphertextSource(plan.EnvelopeLength, plan.Prefix, plan.CiphertextFirst, ciphertext);
        await DecryptToResponseAsync(http, plan, source, caller,
            upstream.Content.Headers.ContentType?.ToString(), upstream.Content.Headers.LastModified);
    }

    /// <summary>Sets status and headers of a decrypted answer (plaintext length, range, ETag).</summary>
    private static void StartDecryptedResponse(HttpResponse response, DownloadPlanFeature plan, string? etag, string? contentType, DateTimeOffset? lastModified)
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
    /// Unwraps the data key and decrypts the planned range into the response. Before the
    /// first byte: key service unavailable → 503, envelope invalid → 502 + audit event. After
    /// it: a segment that fails authentication aborts the response (the client sees a reset,
    /// never unauthenticated plaintext) and is recorded in the audit log.
    /// </summary>
    private async Task DecryptToResponseAsync(HttpContext context, DownloadPlanFeature plan, ProbedCiphertextSource source,
        CallerIdentity caller, string? contentType, DateTimeOffset? lastModified)
    {
        Stream plaintext;
        try
        {
            plaintext = await envelopes.OpenRangeAsync(plan.Header, source, plan.Offset, plan.Count,
                caller.ToKeyUse(plan.ObjectId, plan.Rule, plan.PolicyVersion, context.TraceIdentifier), context.RequestAborted);
        }
        catch (KeyServiceException e) when (e.Kind == KeyErrorKind.InvalidData)
        {
            await TamperedAsync(context, caller, plan.ObjectId, plan.Header, plan.Store.ClusterId, null);
            return;
        }
        catch (KeyServiceException e)
        {
            await KeyServiceFailure.AnswerAsync(context, e, plan.ObjectId, options.Value.RetryAfterSeconds, logger);
            return;
        }

        await using (plaintext)
        {
            StartDecryptedResponse(context.Response, plan, plan.PlaintextETag, contentType, lastModified);
            try
            {
                await KeyService.Envelope.Envelope.CopyAsync(plaintext, context.Response.Body, context.RequestAborted);
            }
            catch (KeyServiceException e) when (e.Kind == KeyErrorKind.InvalidData)
            {
                DocumentProxyLog.CiphertextTampered(logger, plan.ObjectId, plan.Store.ClusterId, e);
                await audit.TamperedAsync(plan.Header,
                    caller.ToKeyUse(plan.ObjectId, "envelope-authentication", plan.PolicyVersion, context.TraceIdentifier), plan.Store.ClusterId, context.RequestAborted);
                context.Abort();
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or HttpRequestException)
            {
                DocumentProxyLog.DownloadStreamFailed(logger, plan.ObjectId, e);
                context.Abort();
            }
        }
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
                throw new KeyServiceException(KeyErrorKind.InvalidData, "The stored envelope is shorter than its length says.");
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
