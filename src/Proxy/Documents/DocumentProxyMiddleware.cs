using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Identity;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The document proxy's step in YARP's pipeline: no anonymous caller gets past it; uploads
/// and downloads are handed to their handlers; PROPFIND answers get plaintext sizes; the
/// other WebDAV methods (DELETE, MKCOL, MOVE, COPY, OPTIONS) pass through to the route's
/// first reachable store.
/// </summary>
internal sealed class DocumentProxyMiddleware(
    RequestDelegate next,
    DocumentUploadHandler uploads,
    DocumentDownloadHandler downloads,
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
        else
        {
            forward = await RouteToFirstStoreAsync(context, proxy);
            if (forward && string.Equals(method, "PROPFIND", StringComparison.OrdinalIgnoreCase))
            {
                context.Features.Set(new PropfindFeature(stores.Readable(proxy.Route)[0]));
            }
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

    private async Task<bool> RouteToFirstStoreAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        IReadOnlyList<ClusterState> readable = stores.Readable(proxy.Route);
        if (readable.Count == 0)
        {
            DocumentProxyLog.StoreUnavailable(logger, ObjectIdentity.Of(proxy.Route.Config.RouteId, context.Request.Path.Value ?? "/"),
                proxy.Route.Config.RouteId);
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Document store unavailable",
                "No store of this document space is reachable now. Retry later.",
                retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: context.TraceIdentifier);
            return false;
        }

        context.ReassignProxyRequest(readable[0]);
        return true;
    }
}
