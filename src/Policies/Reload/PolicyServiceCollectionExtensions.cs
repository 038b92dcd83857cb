using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Reload;

/// <summary>Registers the live policy for the gateway host.</summary>
public static class PolicyServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PolicyProvider"/> (singleton) with validated <see cref="PolicyProviderOptions"/>.
    /// The host should resolve <see cref="PolicyProvider"/> once at start-up so an invalid
    /// policy stops it with every error listed.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="keyClasses">The key classes the deployment provides (from the key service's configuration); Policies never references the key service itself.</param>
    public static OptionsBuilder<PolicyProviderOptions> AddSovereigntyPolicy(
        this IServiceCollection services,
        Func<IServiceProvider, IReadOnlyCollection<KeyClassInfo>> keyClasses)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(keyClasses);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IDetectorFactory>(DetectorFactory.Default);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyProviderOptions>, PolicyProviderOptionsValidator>());
        services.TryAddSingleton(sp => new PolicyLoader(keyClasses(sp), sp.GetRequiredService<IDetectorFactory>()));
        services.TryAddSingleton<PolicyProvider>();
        return services.AddOptions<PolicyProviderOptions>().ValidateOnStart();
    }
}
