using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// Readiness: the audit log (Redis) answers a PING. Without it no key may be used, so a node
/// that cannot reach it must not take traffic.
/// </summary>
internal sealed class AuditLogHealthCheck(IConnectionMultiplexer redis, IOptions<ServeOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            TimeSpan latency = await redis.GetDatabase().PingAsync().WaitAsync(options.Value.ReadinessTimeout, cancellationToken);
            return HealthCheckResult.Healthy($"Audit log answers ({latency.TotalMilliseconds:0.#} ms).");
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"Audit log (Redis) unavailable: {e.GetType().Name}.");
        }
    }
}
