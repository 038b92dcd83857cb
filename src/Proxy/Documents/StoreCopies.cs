using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Keeps reads on the current version of each path across a route's stores. Reads serve the
/// first store, in route order, that holds a path; a copy left in a store asked before the
/// current version's would be served instead of it, and a copy left anywhere would bring a
/// deleted or moved document back. So a path is removed: from the stores before the new
/// version's after an upload, from all of them on DELETE, from all but the one that moved it
/// after MOVE.
/// </summary>
internal sealed class StoreCopies(DocumentStores stores)
{
    /// <summary>DELETE: removes <paramref name="path"/> from every store of <paramref name="route"/>.</summary>
    public Task<RemovalReport> RemoveEverywhereAsync(RouteModel route, PathString path, string? depth, CancellationToken cancellationToken) =>
        RemoveAsync(stores.Existing(route), path, depth, cancellationToken);

    /// <summary>
    /// After a new version of <paramref name="path"/> was stored in <paramref name="store"/>:
    /// removes it from the stores before that one in route order, which reads would ask first.
    /// The stores after it are left alone: reads never get past the new version to them, a
    /// DELETE reaches them, and a later upload there replaces what they hold. So an upload to
    /// the route's first store, the usual case, costs no request to any other store (in
    /// production, a round trip to another cloud region).
    /// </summary>
    public Task<RemovalReport> RemoveAheadOfAsync(RouteModel route, PathString path, ClusterState store, string? depth, CancellationToken cancellationToken) =>
        RemoveAsync(stores.Existing(route).TakeWhile(other => !IsSame(other, store)), path, depth, cancellationToken);

    /// <summary>
    /// After MOVE: removes <paramref name="path"/> (the source) from every store of the route but
    /// <paramref name="store"/>, which moved it: an older copy left in a later store would
    /// otherwise be what reads of the old path find.
    /// </summary>
    public Task<RemovalReport> RemoveElsewhereAsync(RouteModel route, PathString path, ClusterState store, string? depth, CancellationToken cancellationToken) =>
        RemoveAsync(stores.Existing(route).Where(other => !IsSame(other, store)), path, depth, cancellationToken);

    private static bool IsSame(ClusterState a, ClusterState b) => string.Equals(a.ClusterId, b.ClusterId, StringComparison.Ordinal);

    /// <summary>
    /// Sends DELETE for <paramref name="path"/> to each of <paramref name="targets"/>, one after
    /// the other, and reports each answer. <paramref name="depth"/> goes along, for a collection
    /// (nginx wants <c>infinity</c> or none).
    /// </summary>
    private static async Task<RemovalReport> RemoveAsync(IEnumerable<ClusterState> targets, PathString path, string? depth, CancellationToken cancellationToken)
    {
        var results = new List<StoreRemoval>();
        foreach (ClusterState store in targets)
        {
            results.Add(await RemoveFromAsync(store, path, depth, cancellationToken));
        }

        return new RemovalReport(results);
    }

    private static async Task<StoreRemoval> RemoveFromAsync(ClusterState store, PathString path, string? depth, CancellationToken cancellationToken)
    {
        IReadOnlyList<DestinationState> destinations = store.DestinationsState.AvailableDestinations;
        if (destinations.Count == 0)
        {
            return new StoreRemoval(store.ClusterId, null, null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, UpstreamClient.Combine(destinations[0], path));
        if (!string.IsNullOrEmpty(depth))
        {
            request.Headers.TryAddWithoutValidation("Depth", depth);
        }

        try
        {
            using HttpResponseMessage response = await store.Model.HttpClient.SendAsync(request, cancellationToken);
            return new StoreRemoval(store.ClusterId, (int)response.StatusCode, null);
        }
        catch (HttpRequestException e)
        {
            return new StoreRemoval(store.ClusterId, null, e);
        }
    }
}

/// <summary>One store's answer to a removal.</summary>
/// <param name="Store">The store (cluster id).</param>
/// <param name="StatusCode">Its status; null when it could not be reached.</param>
/// <param name="Error">Why it could not be reached (null when it has no reachable destination).</param>
internal sealed record StoreRemoval(string Store, int? StatusCode, Exception? Error)
{
    /// <summary>The store removed the path.</summary>
    public bool Removed => StatusCode is >= 200 and < 300;

    /// <summary>The store did not hold the path.</summary>
    public bool Absent => StatusCode == StatusCodes.Status404NotFound;

    /// <summary>Unreachable or a server error: the store may still hold the path; retrying may help.</summary>
    public bool Unavailable => StatusCode is null or >= 500;

    /// <summary>For logs and problem details: the status, or "unreachable".</summary>
    public string Outcome => StatusCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unreachable";
}

/// <summary>Every store's answer to one removal.</summary>
internal sealed record RemovalReport(IReadOnlyList<StoreRemoval> Stores)
{
    /// <summary>Stores that removed the path.</summary>
    public IEnumerable<StoreRemoval> Removed => Stores.Where(s => s.Removed);

    /// <summary>Stores that may still hold the path (anything but removed or absent).</summary>
    public IEnumerable<StoreRemoval> Remaining => Stores.Where(s => !s.Removed && !s.Absent);
}
