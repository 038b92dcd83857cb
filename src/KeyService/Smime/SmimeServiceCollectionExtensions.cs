using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Decryption;
using Sovereignty.KeyService.Smime.Encryption;

namespace Sovereignty.KeyService.Smime;

/// <summary>Registers the S/MIME services. Needs the <see cref="IKeyPairRing"/> of <c>AddSovereigntyKeys</c>.</summary>
public static class SmimeServiceCollectionExtensions
{
    /// <summary>Binds <see cref="SmimeOptions"/> to <c>Sovereignty:Smime</c>, validated at start-up, and registers the services.</summary>
    public static IServiceCollection AddSmime(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmimeOptions>().Bind(configuration.GetSection(SmimeOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmimeOptions>, SmimeOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => SmimeServices.Create(
            sp.GetRequiredService<IOptions<SmimeOptions>>().Value,
            sp.GetRequiredService<IKeyPairRing>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<ICertificateDirectory>(sp => sp.GetRequiredService<SmimeServices>().Directory);
        services.TryAddSingleton<ISmimeEncryptor>(sp => sp.GetRequiredService<SmimeServices>().Encryptor);
        services.TryAddSingleton<ISmimeEscrowDecryptor>(sp => sp.GetRequiredService<SmimeServices>().EscrowDecryptor);
        return services;
    }
}
