using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Transforms;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Response side of a MOVE or COPY of a document (not a collection) done by the store that
/// holds it: copies of the two paths in the route's other stores must not outlive it
/// (<see cref="StoreCopies"/>). After a MOVE, the source path is removed from every other
/// store, or an older copy there would be what reads of the old path find; after either, the
/// destination is removed from the stores reads ask before the one that now holds it. If a copy cannot be removed now, the client gets
/// 503 + Retry-After, which says what was done and what to send again.
/// </summary>
internal sealed class RelocationCleanup(StoreCopies copies, IOptions<DocumentProxyOptions> options, ILogger<RelocationCleanup> logger)
{
    public async Task CompleteForwardedAsync(ResponseTransformContext context, RelocationFeature relocation)
    {
        if (context.ProxyResponse is not { IsSuccessStatusCode: true })
        {
            return;
        }

        HttpContext http = context.HttpContext;
        var remaining = new List<(PathString Path, StoreRemoval Copy)>();
        if (relocation.IsMove)
        {
            RemovalReport source = await copies.RemoveElsewhereAsync(relocation.Route, relocation.Source, relocation.Store,
                depth: null, context.CancellationToken);
            remaining.AddRange(source.Remaining.Select(copy => (relocation.Source, copy)));
        }

        RemovalReport destination = await copies.RemoveAheadOfAsync(relocation.Route, relocation.Destination, relocation.Store,
            depth: null, context.CancellationToken);
        remaining.AddRange(destination.Remaining.Select(copy => (relocation.Destination, copy)));
        if (remaining.Count == 0)
        {
            return;
        }

        string objectId = ObjectIdentity.Of(relocation.Route.Config.RouteId, relocation.Source.Value ?? "/");
        foreach ((PathString _, StoreRemoval copy) in remaining)
        {
            DocumentProxyLog.StoreCopyNotRemoved(logger, objectId, http.Request.Method, copy.Store, copy.Outcome, copy.Error);
        }

        context.SuppressResponseBody = true;
        string left = string.Join("; ", remaining.Select(r => $"{r.Path} in {r.Copy.Store}"));
        await ProblemResponses.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "Older copy not removed yet",
            $"The {http.Request.Method} was done in {relocation.Store.ClusterId}, but an older copy ({left}) could not be removed yet, "
            + "and reads of that path could return it. Later, send DELETE for the old path, or upload the document again at its destination.",
            retryAfterSeconds: options.Value.RetryAfterSeconds, correlationId: http.TraceIdentifier);
    }
}
