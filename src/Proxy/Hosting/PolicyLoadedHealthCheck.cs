using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Hosting;

/// <summary>Readiness: a valid policy is loaded.</summary>
internal sealed class PolicyLoadedHealthCheck(IDocumentPolicy policy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(policy.IsLoaded
            ? HealthCheckResult.Healthy("Policy loaded.")
            : HealthCheckResult.Unhealthy("No valid policy is loaded."));
}
