using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Which store of a route holds a path: the first, in route order, whose probe does not answer
/// 404. Downloads serve the object from there, and MOVE and COPY are sent there.
/// </summary>
internal static class StoreSearch
{
    /// <summary>Probes <paramref name="readable"/> in order for <paramref name="path"/>.</summary>
    public static async Task<StoreSearchResult> FindAsync(
        IReadOnlyList<ClusterState> readable, PathString path, int probeBytes, CancellationToken cancellationToken)
    {
        UpstreamProbeResult? firstMiss = null;
        ClusterState? firstStore = null;
        bool unreachable = false;
        foreach (ClusterState store in readable)
        {
            UpstreamProbeResult probe;
            try
            {
                probe = await UpstreamClient.ProbeAsync(store, path, probeBytes, cancellationToken);
            }
            catch (HttpRequestException)
            {
                unreachable = true;
                continue;
            }

            if (probe.StatusCode != StatusCodes.Status404NotFound)
            {
                return new StoreSearchResult(store, probe, unreachable);
            }

            if (firstMiss is null)
            {
                (firstStore, firstMiss) = (store, probe);
            }
        }

        return new StoreSearchResult(firstStore, firstMiss, unreachable);
    }
}

/// <summary>What <see cref="StoreSearch.FindAsync"/> found.</summary>
/// <param name="Store">The store holding the path; when none holds it, the first that answered 404; null when none answered.</param>
/// <param name="Probe">That store's probe.</param>
/// <param name="SomeUnreachable">A store could not be asked (its answer, had it come, might have been the one that holds the path).</param>
internal sealed record StoreSearchResult(ClusterState? Store, UpstreamProbeResult? Probe, bool SomeUnreachable)
{
    /// <summary>True when a store holds the path.</summary>
    public bool Found => Probe is not null && Probe.StatusCode != StatusCodes.Status404NotFound;
}
