using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Which store of a route holds a path: the first, in route order, whose probe does not answer
/// 404. Downloads serve the object from there, and MOVE and COPY are sent there.
/// </summary>
/// <remarks>
/// A store that cannot be asked (no reachable destination, or the probe fails) ends the search
/// with nothing found: it may hold the current version, and a store after it may hold an older
/// copy (an upload removes its path only from the stores before its own), so serving or moving
/// what a later store has could be serving or moving an old version. The callers answer 503.
/// </remarks>
internal static class StoreSearch
{
    /// <summary>Probes <paramref name="routeStores"/> (the route's stores, in route order) for <paramref name="path"/>.</summary>
    public static async Task<StoreSearchResult> FindAsync(
        IReadOnlyList<ClusterState> routeStores, PathString path, int probeBytes, CancellationToken cancellationToken)
    {
        UpstreamProbeResult? firstMiss = null;
        ClusterState? firstStore = null;
        foreach (ClusterState store in routeStores)
        {
            if (store.DestinationsState.AvailableDestinations.Count == 0)
            {
                return new StoreSearchResult(null, null, SomeUnreachable: true);
            }

            UpstreamProbeResult probe;
            try
            {
                probe = await UpstreamClient.ProbeAsync(store, path, probeBytes, cancellationToken);
            }
            catch (HttpRequestException)
            {
                return new StoreSearchResult(null, null, SomeUnreachable: true);
            }

            if (probe.StatusCode != StatusCodes.Status404NotFound)
            {
                return new StoreSearchResult(store, probe, SomeUnreachable: false);
            }

            if (firstMiss is null)
            {
                (firstStore, firstMiss) = (store, probe);
            }
        }

        return new StoreSearchResult(firstStore, firstMiss, SomeUnreachable: false);
    }
}

/// <summary>What <see cref="StoreSearch.FindAsync"/> found.</summary>
/// <param name="Store">The store holding the path; when none holds it, the first that answered 404; null when none answered.</param>
/// <param name="Probe">That store's probe.</param>
/// <param name="SomeUnreachable">A store could not be asked: then nothing else is given (it might hold the current version).</param>
internal sealed record StoreSearchResult(ClusterState? Store, UpstreamProbeResult? Probe, bool SomeUnreachable)
{
    /// <summary>True when a store holds the path.</summary>
    public bool Found => Probe is not null && Probe.StatusCode != StatusCodes.Status404NotFound;
}
