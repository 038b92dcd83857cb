using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// Readiness: every HSM that holds a key class answers. One cheap call per provider through the
/// key service (list the versions of one of its key classes: a pooled, logged-in session and one
/// object search), and that class has a live version. The result is kept for
/// <see cref="ServeOptions.ReadinessCacheDuration"/> so load-balancer probes do not load the HSM;
/// concurrent probes share one check.
/// </summary>
internal sealed class HsmHealthCheck(
    KeyProviderRegistry providers, IOptions<HsmOptions> hsmOptions, IOptions<ServeOptions> serveOptions, TimeProvider time) : IHealthCheck, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HealthCheckResult? _cached;
    private DateTimeOffset _cachedAt;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } cached && time.GetUtcNow() - _cachedAt < serveOptions.Value.ReadinessCacheDuration)
            {
                return cached;
            }

            HealthCheckResult result = await ProbeAsync(cancellationToken);
            _cached = result;
            _cachedAt = time.GetUtcNow();
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken cancellationToken)
    {
        var data = new Dictionary<string, object>();
        var failing = new List<string>();
        // One key class per provider is enough to prove the token is reachable and logged in.
        foreach (IGrouping<string, KeyClassOptions> provider in hsmOptions.Value.KeyClasses.GroupBy(c => c.Provider, StringComparer.OrdinalIgnoreCase))
        {
            KeyClassOptions keyClass = provider.First();
            string label = string.IsNullOrEmpty(keyClass.KeyLabel) ? keyClass.Name : keyClass.KeyLabel;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(serveOptions.Value.ReadinessTimeout);
            string state;
            try
            {
                IReadOnlyList<ProviderKey> versions = await providers.GetKeyProvider(provider.Key).ListKeksAsync(label, timeout.Token);
                state = versions.Any(v => !v.Destroyed)
                    ? "available"
                    : $"no live version of key class '{keyClass.Name}' (run `sovereignty keys init`)";
            }
            catch (KeyServiceException e)
            {
                state = $"unavailable: {e.Kind}";
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                state = $"no answer within {serveOptions.Value.ReadinessTimeout.TotalSeconds:0.#} s";
            }

            data[provider.Key] = state;
            if (state != "available")
            {
                failing.Add(provider.Key);
            }
        }

        return failing.Count == 0
            ? HealthCheckResult.Healthy("Every HSM answers.", data)
            : HealthCheckResult.Unhealthy("HSM not usable: " + string.Join(", ", failing), data: data);
    }
}
