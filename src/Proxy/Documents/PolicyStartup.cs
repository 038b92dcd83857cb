using Sovereignty.Policies.Reload;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Loads the policy when the host starts, before it takes traffic: an invalid policy directory
/// stops the host with every error (<see cref="Policies.Validation.PolicyValidationException"/>),
/// instead of failing the first upload.
/// </summary>
internal sealed class PolicyStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<PolicyProvider>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
