using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The upstream document stores behind a route, with their residency. Stores are YARP
/// clusters: cluster metadata <c>Sovereignty.Location</c> says where the store keeps data
/// (e.g. <c>fr</c>); route metadata <c>Sovereignty.Stores</c> lists, in order of preference,
/// the clusters a route may write to and read from (default: the route's own cluster).
/// </summary>
internal sealed class DocumentStores(IProxyStateLookup proxyState)
{
    /// <summary>Route metadata key: comma-separated cluster ids.</summary>
    public const string StoresMetadataKey = "Sovereignty.Stores";

    /// <summary>Cluster metadata key: where the store keeps data.</summary>
    public const string LocationMetadataKey = "Sovereignty.Location";

    /// <summary>The stores of <paramref name="route"/>, in order of preference (configured ones, existing or not).</summary>
    public static IReadOnlyList<string> StoresOf(RouteModel route)
    {
        if (route.Config.Metadata is { } metadata && metadata.TryGetValue(StoresMetadataKey, out string? stores)
            && !string.IsNullOrWhiteSpace(stores))
        {
            return stores.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }

        return route.Cluster is null ? [] : [route.Cluster.ClusterId];
    }

    /// <summary>The location a store declares, or null.</summary>
    public static string? LocationOf(ClusterState cluster) =>
        cluster.Model.Config.Metadata is { } metadata && metadata.TryGetValue(LocationMetadataKey, out string? location)
            ? location
            : null;

    /// <summary>
    /// The first store of <paramref name="route"/> that <paramref name="allowed"/> permits
    /// (empty = all) and that has a reachable destination; null when none: the caller answers
    /// 503 and never falls back to a store the policy does not allow.
    /// </summary>
    public ClusterState? ChooseForWrite(RouteModel route, IReadOnlyList<string> allowed)
    {
        foreach (string id in StoresOf(route))
        {
            if (allowed.Count > 0 && !allowed.Contains(id, StringComparer.Ordinal))
            {
                continue;
            }

            if (proxyState.TryGetCluster(id, out ClusterState? cluster)
                && cluster.DestinationsState.AvailableDestinations.Count > 0)
            {
                return cluster;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <paramref name="route"/> lists any store that <paramref name="allowed"/> permits
    /// (empty = all), reachable or not. When it lists none, no retry can ever store the upload
    /// there: that is a refusal, not an outage.
    /// </summary>
    public static bool OffersAny(RouteModel route, IReadOnlyList<string> allowed) =>
        allowed.Count == 0 || StoresOf(route).Any(id => allowed.Contains(id, StringComparer.Ordinal));

    /// <summary>The stores of <paramref name="route"/> that exist and have a reachable destination, in order.</summary>
    public IReadOnlyList<ClusterState> Readable(RouteModel route)
    {
        var result = new List<ClusterState>();
        foreach (string id in StoresOf(route))
        {
            if (proxyState.TryGetCluster(id, out ClusterState? cluster)
                && cluster.DestinationsState.AvailableDestinations.Count > 0)
            {
                result.Add(cluster);
            }
        }

        return result;
    }

    /// <summary>
    /// The stores of <paramref name="route"/> that exist, in order, reachable or not: where a copy
    /// of a path may be, so where removing it must succeed (a store that is down now will be read
    /// again when it is back).
    /// </summary>
    public IReadOnlyList<ClusterState> Existing(RouteModel route)
    {
        var result = new List<ClusterState>();
        foreach (string id in StoresOf(route))
        {
            if (proxyState.TryGetCluster(id, out ClusterState? cluster))
            {
                result.Add(cluster);
            }
        }

        return result;
    }

    /// <summary>Every configured store (for readiness).</summary>
    public IEnumerable<ClusterState> All() => proxyState.GetClusters();
}
