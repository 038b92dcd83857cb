using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Keeps one copy of each path across a route's stores. Reads serve the first store, in route
/// order, that holds a path; a copy left in another store would be served instead of a newer
/// version, or bring a deleted document back. So a path is removed from every store of the
/// route where it must not remain: the other stores after an upload, all of them on DELETE.
/// </summary>
internal sealed class StoreCopies(DocumentStores stores)
{
    /// <summary>
    /// Sends DELETE for <paramref name="path"/> to every store of <paramref name="route"/> but
    /// <paramref name="keep"/> (null: all), one after the other, and reports each answer. The
    /// client's <paramref name="depth"/> header goes along, for a collection (nginx wants
    /// <c>infinity</c> or none).
    /// </summary>
    public async Task<RemovalReport> RemoveAsync(
        RouteModel route, PathString path, ClusterState? keep, string? depth, CancellationToken cancellationToken)
    {
        var results = new List<StoreRemoval>();
        foreach (ClusterState store in stores.Existing(route))
        {
            if (keep is not null && string.Equals(store.ClusterId, keep.ClusterId, StringComparison.Ordinal))
            {
                continue;
            }

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
