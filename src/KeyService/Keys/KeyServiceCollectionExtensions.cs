using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>Registers the key service's keys part: options, providers, key ring, key pairs, key manager.</summary>
public static class KeyServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="HsmOptions"/> from <c>Sovereignty:Hsm</c> (validated on start) and registers
    /// <see cref="IKeyRing"/>, <see cref="IKeyPairRing"/>, <see cref="KeyManager"/> and the providers.
    /// The host registers the <see cref="Audit.IKeyEventLog"/> they record into.
    /// </summary>
    public static IServiceCollection AddSovereigntyKeys(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<HsmOptions>().Bind(configuration.GetSection(HsmOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HsmOptions>, HsmOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new KeyProviderRegistry(sp.GetRequiredService<IOptions<HsmOptions>>().Value, sp.GetService<ILoggerFactory>()));
        services.TryAddSingleton(sp => new KeyCatalog(
            sp.GetRequiredService<IOptions<HsmOptions>>().Value, sp.GetRequiredService<KeyProviderRegistry>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<KeyRing>();
        services.TryAddSingleton<IKeyRing>(sp => sp.GetRequiredService<KeyRing>());
        services.TryAddSingleton<KeyPairRing>();
        services.TryAddSingleton<IKeyPairRing>(sp => sp.GetRequiredService<KeyPairRing>());
        services.TryAddSingleton<KeyManager>();
        return services;
    }
}
