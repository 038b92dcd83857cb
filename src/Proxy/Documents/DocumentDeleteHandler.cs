using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// DELETE: removes the path from every store of the route, not only the first. An upload lands
/// in the store its label allows, so the object may be in any of them, and reads would find a
/// copy left in another one.
/// </summary>
internal sealed class DocumentDeleteHandler(
    StoreCopies copies,
    IOptions<DocumentProxyOptions> options,
    ILogger<DocumentDeleteHandler> logger)
{
    /// <summary>
    /// Answers the DELETE here: the first removing store's 2xx (204 from nginx) when a store
    /// held the path, 404 when none did, 503 + Retry-After when a store could not be reached or
    /// failed (a copy may remain there), a store's refusal (e.g. 409, 423) otherwise.
    /// </summary>
    public async Task AnswerAsync(HttpContext context, IReverseProxyFeature proxy)
    {
        string objectId = ObjectIdentity.Of(proxy.Route.Config.RouteId, context.Request.Path.Value ?? "/");
        RemovalReport report = await copies.RemoveEverywhereAsync(proxy.Route, context.Request.Path,
            context.Request.Headers["Depth"].FirstOrDefault(), context.RequestAborted);
        string[] removed = [.. report.Removed.Select(s => s.Store)];
        string done = removed.Length == 0
            ? "No store has removed it yet."
            : $"It was removed from {string.Join(", ", removed)}.";

        StoreRemoval[] unavailable = [.. report.Stores.Where(s => s.Unavailable)];
        if (report.Stores.Count == 0 || unavailable.Length > 0)
        {
            foreach (StoreRemoval store in unavailable)
            {
                DocumentProxyLog.StoreCopyNotRemoved(logger, objectId, context.Request.Method, store.Store, store.Outcome, store.Error);
            }

            if (report.Stores.Count == 0)
            {
                DocumentProxyLog.StoreUnavailable(logger, objectId, proxy.Route.Config.RouteId);
            }

            string detail = report.Stores.Count == 0
                ? "No store of this document space is configured and available now, so nothing was deleted. Retry later."
                : $"{done} Store(s) {string.Join(", ", unavailable.Select(s => s.Store))} could not be reached, so a copy may remain there "
                  + "and still be served. Send the DELETE again later.";
            await ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Document not deleted everywhere yet", detail,
                retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: context.TraceIdentifier);
            return;
        }

        if (report.Remaining.FirstOrDefault() is { StatusCode: int refused } refusing)
        {
            await ProblemResponses.WriteAsync(context, refused, "Document store refused the deletion",
                $"{done} Store {refusing.Store} answered {refused} and keeps its copy.", correlationId: context.TraceIdentifier);
            return;
        }

        if (report.Removed.FirstOrDefault() is { StatusCode: int status })
        {
            context.Response.StatusCode = status;
            return;
        }

        await ProblemResponses.WriteAsync(context, StatusCodes.Status404NotFound, "Not found",
            "No store of this document space holds this path.", correlationId: context.TraceIdentifier);
    }
}
