using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Documents;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// Readiness: every configured store has at least one destination that answers HTTP
/// (any status: reachability, not authorisation, is what is checked).
/// </summary>
internal sealed class UpstreamStoresHealthCheck(IProxyStateLookup proxyState, IOptions<ServeOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>();
        var unreachable = new List<string>();
        foreach (ClusterState store in proxyState.GetClusters())
        {
            bool reachable = false;
            foreach (DestinationState destination in store.Destinations.Values)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(options.Value.ReadinessTimeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Options, destination.Model.Config.Address);
                    using HttpResponseMessage response = await store.Model.HttpClient.SendAsync(request, timeout.Token);
                    reachable = true;
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    // Try the next destination.
                }
            }

            data[store.ClusterId] = (reachable ? "reachable" : "unreachable")
                + (DocumentStores.LocationOf(store) is { } location ? $" ({location})" : string.Empty);
            if (!reachable)
            {
                unreachable.Add(store.ClusterId);
            }
        }

        return unreachable.Count == 0
            ? HealthCheckResult.Healthy("All document stores answer.", data)
            : HealthCheckResult.Unhealthy("Unreachable document stores: " + string.Join(", ", unreachable), data: data);
    }
}
