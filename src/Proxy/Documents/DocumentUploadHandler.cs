using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Sovereignty.KeyService;
using Sovereignty.Proxy.Identity;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;
using Yarp.ReverseProxy.Transforms;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Uploads (PUT, POST of a whole body): inspect the leading window, ask the policy, then
/// refuse, forward in clear (only when the policy says so), or replace the body with an
/// envelope that encrypts as YARP pulls it, sent to a store the label may live in.
/// </summary>
/// <remarks>
/// The envelope goes upstream while the data key's audit event is being written, all but the
/// last segment's 16-byte tag: the store never holds a complete object whose key use is not in
/// the log. A small document's request is so on its way to the store, its body sent, while the
/// event is written; only the tag waits.
/// </remarks>
internal sealed class DocumentUploadHandler(
    IDocumentPolicy policy,
    IDocumentEnvelopes envelopes,
    DocumentStores stores,
    StoreCopies copies,
    UploadConditions conditions,
    InspectionSlots inspectionSlots,
    IOptions<DocumentProxyOptions> options,
    ILogger<DocumentUploadHandler> logger)
{
    /// <summary>Header by which a client may declare a label (honoured only as a rule input).</summary>
    public const string LabelHeader = "X-Sovereignty-Label";

    /// <summary>Prepares the request for forwarding; false when the request was answered here.</summary>
    public async Task<bool> PrepareAsync(HttpContext context, CallerIdentity caller, IReverseProxyFeature proxy)
    {
        DocumentProxyOptions settings = options.Value;
        CancellationToken aborted = context.RequestAborted;
        HttpRequest request = context.Request;
        string routeId = proxy.Route.Config.RouteId;
        string path = request.Path.Value ?? "/";
        string objectId = ObjectIdentity.Of(routeId, path);
        if (IsContentCoded(request))
        {
            // The policy would read compressed bytes, in which no rule finds anything: a body
            // that must be protected could pass as clear. RFC 9110 §15.5.16: 415 + Accept-Encoding.
            DocumentProxyLog.UploadContentCoded(logger, objectId, caller.Subject, request.Headers.ContentEncoding.ToString());
            await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Compressed upload not accepted",
                $"Uploads with Content-Encoding '{request.Headers.ContentEncoding}' cannot be classified. Send the document without a content coding.",
                correlationId: context.TraceIdentifier, headers: new Dictionary<string, string> { [HeaderNames.AcceptEncoding] = "identity" });
            return false;
        }

        if (UploadSizeLimit.IsDeclaredOver(context))
        {
            // Kestrel would refuse the body when it is first read, with a bare 413.
            DocumentProxyLog.UploadTooLarge(logger, objectId, caller.Subject, request.ContentLength);
            await UploadSizeLimit.AnswerAsync(context);
            return false;
        }

        // Before the body is read: a failed condition needs none of it, and nothing is stored.
        if (!await conditions.CheckAsync(context, proxy.Route, objectId, caller.Subject))
        {
            return false;
        }

        IDisposable? slot = await inspectionSlots.EnterAsync(request.ContentLength, settings.InspectionWindowBytes, aborted);
        InspectionWindow window;
        try
        {
            window = await InspectionWindow.ReadAsync(
                request.Body, settings.InspectionWindowBytes, request.ContentLength, inspectionSlots.Buffers, slot, aborted);
        }
        catch (BadHttpRequestException e) when (UploadSizeLimit.IsTooLarge(e))
        {
            // A body without a declared length that passed the limit within the window.
            DocumentProxyLog.UploadTooLarge(logger, objectId, caller.Subject, request.ContentLength);
            await UploadSizeLimit.AnswerAsync(context);
            return false;
        }

        // Released as soon as the window has been forwarded; at the latest when the request ends.
        context.Response.RegisterForDispose(window);
        var sample = new UploadSample(
            routeId,
            path,
            request.ContentType,
            path[(path.LastIndexOf('/') + 1)..],
            request.Headers[LabelHeader].FirstOrDefault(),
            window.Content,
            window.IsComplete,
            request.ContentLength);
        UploadDecision decision = await policy.DecideUploadAsync(sample, caller, aborted);
        DocumentProxyLog.UploadDecided(logger, objectId, caller.Subject, decision.Action, decision.Label, decision.Rule,
            decision.PolicyVersion, sample.Content.Length, window.IsComplete);

        if (decision.Action == UploadAction.Block)
        {
            DocumentProxyLog.UploadBlocked(logger, objectId, caller.Subject, decision.Rule);
            await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Upload refused by policy",
                decision.Reason ?? $"Rule '{decision.Rule}' does not allow this document to be stored in the cloud. Contact your security officer.",
                decision.Rule, correlationId: context.TraceIdentifier);
            return false;
        }

        if (!DocumentStores.OffersAny(proxy.Route, decision.AllowedStores))
        {
            DocumentProxyLog.LabelNotStorableHere(logger, objectId, decision.Label, routeId, string.Join(',', decision.AllowedStores));
            await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Label not stored in this document space",
                $"Documents labelled '{decision.Label}' may only be stored in: {string.Join(", ", decision.AllowedStores)}, and this document space uses none of them. Store the document in a space meant for '{decision.Label}' documents, or ask your security officer.",
                decision.Rule, correlationId: context.TraceIdentifier);
            return false;
        }

        ClusterState? store = stores.ChooseForWrite(proxy.Route, decision.AllowedStores);
        if (store is null)
        {
            DocumentProxyLog.NoAllowedStore(logger, objectId, decision.Label, string.Join(',', decision.AllowedStores));
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "No allowed store available",
                $"Documents labelled '{decision.Label}' may only be stored in: {string.Join(", ", decision.AllowedStores)}; none of them is reachable now. Retry later.",
                decision.Rule, settings.RetryAfterSeconds, context.TraceIdentifier);
            return false;
        }

        context.ReassignProxyRequest(store);
        if (HttpMethods.IsPut(request.Method))
        {
            // A POST is handled by the resource at its path and need not store anything there, so
            // only a PUT makes the path's copies in other stores stale.
            context.Features.Set(new UploadStoreFeature(proxy.Route, store, objectId));
        }

        Stream body = window.Prepend(request.Body);
        if (decision.Action == UploadAction.Pass)
        {
            request.Body = body;
            return true;
        }

        if (string.IsNullOrEmpty(decision.KeyClass))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status500InternalServerError, "Policy names no key class",
                $"Rule '{decision.Rule}' asks to encrypt label '{decision.Label}' but names no key class; the policy must be fixed.",
                decision.Rule, correlationId: context.TraceIdentifier);
            return false;
        }

        KeyValuePair<string, string>[] encryptionContext =
        [
            new(EnvelopeHeaderInfo.ObjectKey, objectId),
            new(EnvelopeHeaderInfo.LabelKey, decision.Label),
            new(EnvelopeHeaderInfo.PolicyKey, decision.PolicyVersion),
            new(EnvelopeHeaderInfo.ReaderGroupsKey, string.Join(',', decision.ReaderGroups)),
            new(EnvelopeHeaderInfo.ReaderSubjectsKey, string.Join(',', decision.ReaderSubjects)),
        ];
        EncryptingUpload upload;
        try
        {
            upload = await envelopes.EncryptAsync(body, decision.KeyClass, encryptionContext,
                caller.ToKeyUse(objectId, decision.Rule, decision.PolicyVersion, context.TraceIdentifier), aborted);
        }
        catch (KeyServiceException e)
        {
            await KeyServiceFailure.AnswerAsync(context, e, objectId, settings.RetryAfterSeconds, logger);
            return false;
        }

        // Returns the envelope's pooled segment buffers and its cipher at the end of the request
        // (neither Kestrel nor YARP disposes a replaced request body).
        context.Response.RegisterForDisposeAsync(upload.Ciphertext);
        request.Body = upload.Ciphertext;
        long? ciphertextLength = request.ContentLength is long plain
            ? envelopes.CiphertextLength(plain, upload.HeaderLength)
            : null;
        context.Features.Set(new UploadBodyFeature(ciphertextLength, objectId));
        return true;
    }

    /// <summary>
    /// Response side of a PUT, before the client gets the store's answer: once the chosen store
    /// has stored the new version, the path is removed from the stores before it in route order.
    /// Reads serve the first store in route order that holds a path, so an older copy left there
    /// (the label changed, and with it the store) would be served instead of the new version
    /// (<see cref="StoreCopies.RemoveAheadOfAsync"/>). If a copy cannot be removed now, the client gets 503 +
    /// Retry-After rather than a success that reads would contradict; the same PUT again stores
    /// the version again and finishes the removal.
    /// </summary>
    public async Task CompleteStoredAsync(ResponseTransformContext context, UploadStoreFeature stored)
    {
        if (context.ProxyResponse is not { IsSuccessStatusCode: true })
        {
            return;
        }

        HttpContext http = context.HttpContext;
        RemovalReport report = await copies.RemoveAheadOfAsync(stored.Route, http.Request.Path, stored.Store, depth: null, context.CancellationToken);
        StoreRemoval[] remaining = [.. report.Remaining];
        if (remaining.Length == 0)
        {
            return;
        }

        foreach (StoreRemoval copy in remaining)
        {
            DocumentProxyLog.StoreCopyNotRemoved(logger, stored.ObjectId, http.Request.Method, copy.Store, copy.Outcome, copy.Error);
        }

        context.SuppressResponseBody = true;
        await ProblemResponses.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "Older copy not removed yet",
            $"The new version is stored in {stored.Store.ClusterId}, but an older copy in {string.Join(", ", remaining.Select(r => r.Store))} "
            + "could not be removed yet, and reads could still return it. Send the same upload again later to finish.",
            retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: http.TraceIdentifier);
    }

    /// <summary>
    /// After forwarding: when the envelope's last segment failed because its audit event could
    /// not be written, the store got an incomplete body and dropped it; YARP answers that as a
    /// client error (400). The caller gets what a refusal before forwarding gives: 503 with
    /// Retry-After. A body that passed the size limit while forwarded gets the 413 problem.
    /// </summary>
    public Task AnswerAbandonedAsync(HttpContext context)
    {
        if (!context.Response.HasStarted
            && UploadSizeLimit.IsTooLarge(context.Features.Get<IForwarderErrorFeature>()?.Exception))
        {
            // The body passed Kestrel's limit while it was being forwarded (no declared length,
            // longer than the window): YARP aborted the upstream request, so nothing is stored.
            string objectId = ObjectIdentity.Of(context.GetReverseProxyFeature().Route.Config.RouteId, context.Request.Path.Value ?? "/");
            DocumentProxyLog.UploadTooLarge(logger, objectId, context.GetCaller()?.Subject ?? "?", context.Request.ContentLength);
            context.Response.Clear();
            return UploadSizeLimit.AnswerAsync(context);
        }

        if (context.Response.HasStarted
            || context.Features.Get<UploadBodyFeature>() is not { } upload
            || context.Features.Get<IForwarderErrorFeature>()?.Exception is not { } error
            || FindKeyServiceFailure(error) is not { } failure)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        return KeyServiceFailure.AnswerAsync(context, failure, upload.ObjectId, options.Value.RetryAfterSeconds, logger);
    }

    private static KeyServiceException? FindKeyServiceFailure(Exception? error) => error switch
    {
        null => null,
        KeyServiceException failure => failure,
        AggregateException all => all.InnerExceptions.Select(FindKeyServiceFailure).FirstOrDefault(found => found is not null),
        _ => FindKeyServiceFailure(error.InnerException),
    };

    private static bool IsContentCoded(HttpRequest request) =>
        request.Headers.ContentEncoding
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Any(coding => !string.Equals(coding, "identity", StringComparison.OrdinalIgnoreCase));
}
