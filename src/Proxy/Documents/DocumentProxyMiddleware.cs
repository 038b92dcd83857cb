using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Identity;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The document proxy's step in YARP's pipeline: no anonymous caller gets past it; uploads
/// and downloads are handed to their handlers; DELETE removes the path from every store of the
/// route; MOVE and COPY, when the policy treats both paths alike, go to the store that holds
/// the source; PROPFIND lists every store of the route, with plaintext sizes; the other
/// WebDAV methods (MKCOL, OPTIONS) pass through to the route's first reachable store.
/// </summary>
internal sealed class DocumentProxyMiddleware(
    RequestDelegate next,
    DocumentUploadHandler uploads,
    DocumentDownloadHandler downloads,
    DocumentDeleteHandler deletes,
    RelocationCheck relocations,
    PropfindHandler listings,
    DocumentStores stores,
    IOptions<DocumentProxyOptions> options,
    ILogger<DocumentProxyMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        CallerIdentity? caller = context.GetCaller();
        if (caller is null)
        {
            // 401 with WWW-Authenticate: Bearer (and the reason when a token was refused).
            await context.ChallengeAsync();
            return;
        }

        if (await DocumentMethods.RefuseAsync(context))
        {
            return;
        }

        IReverseProxyFeature proxy = context.GetReverseProxyFeature();
        string method = context.Request.Method;
        bool forward;
        bool upload = HttpMethods.IsPut(method) || HttpMethods.IsPost(method);
        if (upload)
        {
            context.Features.Set<IHttpRequestBodyDetectionFeature>(ForcedRequestBodyDetection.Instance);
            forward = await uploads.PrepareAsync(context, caller, proxy);
        }
        else if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            forward = await downloads.PrepareAsync(context, caller, proxy);
        }
        else if (HttpMethods.IsDelete(method))
        {
            await deletes.AnswerAsync(context, proxy);
            forward = false;
        }
        else if (HttpMethods.Equals(method, "PROPFIND"))
        {
            await listings.AnswerAsync(context, proxy);
            forward = false;
        }
        else if (HttpMethods.Equals(method, "MOVE") || HttpMethods.Equals(method, "COPY"))
        {
            forward = await relocations.AllowsAsync(context, caller) && await RouteToHolderAsync(context, proxy);
        }
        else
        {
            forward = await RouteToFirstStoreAsync(context, proxy);
        }

        if (forward)
        {
            await next(context);
            if (upload)
            {
                await uploads.AnswerAbandonedAsync(context);
            }
        }
    }

    /// <summary>
    /// MOVE and COPY act on the source where it is: the store that holds it, found as downloads
    /// find it (the first store, in route order, that has the path), not always the first store.
    /// </summary>
    private async Task<bool> RouteToHolderAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        StoreSearchResult found = await StoreSearch.FindAsync(stores.Existing(proxy.Route), context.Request.Path, 1, context.RequestAborted);
        if (found.Found && !await DestinationFreeAsync(context, proxy))
        {
            return false;
        }

        if (found.Found)
        {
            context.ReassignProxyRequest(found.Store!);
            // Documents only: a collection's documents may be spread over the stores, and
            // removing the old folder elsewhere would remove the ones this store did not move.
            // (A folder path ends with '/'; nginx may answer GET on one with its index page.)
            string source = context.Request.Path.Value ?? "/";
            if (found.Probe!.Exists && !source.EndsWith('/')
                && RelocationCheck.TryGetDestinationPath(context.Request, out string? destination) && !destination.EndsWith('/'))
            {
                context.Features.Set(new RelocationFeature(proxy.Route, found.Store!, context.Request.Path,
                    new PathString(destination), HttpMethods.Equals(context.Request.Method, "MOVE")));
            }

            return true;
        }

        if (found.Probe is null || found.SomeUnreachable)
        {
            // A store that could not be asked may hold the source: not a 404.
            await AnswerUnavailableAsync(context, proxy);
            return false;
        }

        await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
            "No store of this document space holds this path.", correlationId: context.TraceIdentifier);
        return false;
    }

    /// <summary>
    /// <c>Overwrite: F</c> (RFC 4918 §10.6): the destination must not exist in any store of the
    /// route, not only in the one that does the move (which checks itself); 412 otherwise.
    /// </summary>
    private async Task<bool> DestinationFreeAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        if (!string.Equals(context.Request.Headers["Overwrite"].FirstOrDefault()?.Trim(), "F", StringComparison.OrdinalIgnoreCase)
            || !RelocationCheck.TryGetDestinationPath(context.Request, out string? destination))
        {
            return true;
        }

        StoreSearchResult existing = await StoreSearch.FindAsync(stores.Existing(proxy.Route), new PathString(destination), 1, context.RequestAborted);
        if (existing.SomeUnreachable)
        {
            await AnswerUnavailableAsync(context, proxy);
            return false;
        }

        if (!existing.Found)
        {
            return true;
        }

        await ProblemResponses.WriteAsync(context, StatusCodes.Status412PreconditionFailed, "Destination exists",
            $"{destination} already exists and the request says Overwrite: F. Nothing was moved or copied.", correlationId: context.TraceIdentifier);
        return false;
    }

    private async Task<bool> RouteToFirstStoreAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        IReadOnlyList<ClusterState> readable = stores.Readable(proxy.Route);
        if (readable.Count == 0)
        {
            await AnswerUnavailableAsync(context, proxy);
            return false;
        }

        context.ReassignProxyRequest(readable[0]);
        return true;
    }

    private async Task AnswerUnavailableAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        DocumentProxyLog.StoreUnavailable(logger, ObjectIdentity.Of(proxy.Route.Config.RouteId, context.Request.Path.Value ?? "/"),
            proxy.Route.Config.RouteId);
        await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Document store unavailable",
            "A store of this document space cannot be reached now. Retry later.",
            retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: context.TraceIdentifier);
    }
}
