using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Checks an upload's If-Match, If-None-Match and If-Unmodified-Since against the document as
/// reads find it: the first store of the route, in order, that holds the path, and the ETag GET
/// gives for it. Only conditional uploads are checked (one probe per store at most); the others
/// cost no request. Fails closed: a store that cannot be asked might hold the document, so the
/// upload is refused with 503 rather than stored unchecked.
/// </summary>
/// <remarks>
/// The check and the store's write are two requests: a write by another client in between is
/// not seen (the stores cannot evaluate plaintext tags, so the gateway cannot hand the condition
/// on to them).
/// </remarks>
internal sealed class UploadConditions(
    DocumentStores stores,
    IDocumentEnvelopes envelopes,
    IOptions<DocumentProxyOptions> options,
    ILogger<UploadConditions> logger)
{
    private const int MaxProbeBytes = 1024 * 1024;

    /// <summary>
    /// The ETag GET gives for the probed version: the plaintext's for an envelope, the store's own
    /// for a clear object, which GET passes through; none for an envelope whose header could not
    /// be read, which GET refuses to serve (so no tag a client holds can match it). Uploads
    /// compare against this and nothing else.
    /// </summary>
    public static string? CurrentETag(UpstreamProbeResult probe, EnvelopeProbe envelope) => envelope switch
    {
        { Status: EnvelopeProbeStatus.NotEnvelope } => probe.ETag,
        { Header: { } header } => EntityTags.ForPlaintext(probe, header),
        _ => null,
    };

    /// <summary>True when the upload may go on; otherwise it was answered (412, or 503 + Retry-After).</summary>
    public async Task<bool> CheckAsync(HttpContext context, RouteModel route, string objectId, string subject)
    {
        HttpRequest request = context.Request;
        if (!UploadPreconditions.IsConditional(request.Headers))
        {
            return true;
        }

        DocumentProxyOptions settings = options.Value;
        CancellationToken aborted = context.RequestAborted;
        StoreSearchResult found = await StoreSearch.FindAsync(stores.Existing(route), request.Path, settings.ProbeBytes, aborted);
        string? notChecked = NotChecked(found);
        (string? etag, DateTimeOffset? lastModified) = (null, null);
        if (notChecked is null && found.Found)
        {
            try
            {
                (etag, lastModified) = await CurrentVersionAsync(found.Store!, found.Probe!, request.Path, aborted);
            }
            catch (HttpRequestException)
            {
                notChecked = $"store {found.Store!.ClusterId} became unreachable";
            }
        }

        if (notChecked is not null)
        {
            DocumentProxyLog.UploadConditionUnchecked(logger, objectId, notChecked);
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Condition cannot be checked now",
                "The upload is conditional (If-Match, If-None-Match or If-Unmodified-Since), and a store of this document space that may "
                + "hold the document cannot be asked now. Nothing was stored. Retry later.",
                retryAfterSeconds: settings.RetryAfterSeconds, correlationId: context.TraceIdentifier);
            return false;
        }

        UploadPreconditionOutcome outcome = UploadPreconditions.Evaluate(request.Headers, found.Found, etag, lastModified);
        if (outcome == UploadPreconditionOutcome.Proceed)
        {
            return true;
        }

        DocumentProxyLog.UploadPreconditionFailed(logger, objectId, subject, outcome, etag);
        (string title, string detail) = outcome switch
        {
            UploadPreconditionOutcome.Exists => ("Document already exists",
                "A document already exists at this path in the version If-None-Match names (or any version, for '*'). "
                + "Nothing was stored. Read the document first, or send the upload without If-None-Match to replace it."),
            UploadPreconditionOutcome.Missing => ("Document does not exist",
                "No document exists at this path, and If-Match asks to replace an existing one. Nothing was stored."),
            _ => ("Document changed",
                "The document was changed since you read it: If-Match or If-Unmodified-Since names a version that is no longer the "
                + "current one. Nothing was stored. Read the document again (GET gives its current ETag), then send your upload with that ETag."),
        };
        await ProblemResponses.WriteAsync(context, StatusCodes.Status412PreconditionFailed, title, detail, correlationId: context.TraceIdentifier);
        return false;
    }

    /// <summary>Why the search cannot tell which version is current, or null when it can.</summary>
    private static string? NotChecked(StoreSearchResult found)
    {
        // The search stops at a store it cannot ask (StoreSearch): nothing found after it is current.
        if (found.Probe is null || found.SomeUnreachable)
        {
            return "a store was unreachable";
        }

        // A store that holds the path but answered neither 404 nor the document (5xx, 403 …).
        return found.Found && !found.Probe.Exists
            ? $"store {found.Store!.ClusterId} answered {found.Probe.StatusCode}"
            : null;
    }

    /// <summary>The found version's ETag as GET computes it, and its date.</summary>
    private async Task<(string? ETag, DateTimeOffset? LastModified)> CurrentVersionAsync(
        ClusterState store, UpstreamProbeResult probe, PathString path, CancellationToken cancellationToken)
    {
        EnvelopeProbe envelope = envelopes.Probe(probe.Prefix.Span, probe.IsWholeObject);
        if (envelope.Status == EnvelopeProbeStatus.NeedMoreData && envelope.NeededBytes is > 0 and <= MaxProbeBytes)
        {
            // As GET does: the whole header, so the ETag can be computed from it where it is.
            UpstreamProbeResult longer = await UpstreamClient.ProbeAsync(store, path, envelope.NeededBytes, cancellationToken);
            if (longer.Exists)
            {
                (probe, envelope) = (longer, envelopes.Probe(longer.Prefix.Span, longer.IsWholeObject));
            }
        }

        return (CurrentETag(probe, envelope), probe.LastModified);
    }
}
