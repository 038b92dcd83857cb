using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>Registers the data-key part of the key service: DEK cache, <see cref="DataKeyService"/>, <see cref="DocumentCipher"/>.</summary>
public static class DataKeysServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DekCacheOptions"/> from <c>Sovereignty:DekCache</c> (validated on start)
    /// and registers <see cref="DekCache"/>, <see cref="DataKeyService"/> and <see cref="DocumentCipher"/>
    /// as singletons. Needs <see cref="IKeyRing"/> (<c>AddSovereigntyKeys</c>) and an <see cref="IKeyEventLog"/>.
    /// </summary>
    public static IServiceCollection AddSovereigntyDataKeys(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DekCacheOptions>().Bind(configuration.GetSection(DekCacheOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DekCacheOptions>, DekCacheOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new DekCache(sp.GetRequiredService<IOptions<DekCacheOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new DataKeyService(
            sp.GetRequiredService<IKeyRing>(), sp.GetRequiredService<IKeyEventLog>(), sp.GetRequiredService<DekCache>(), sp.GetService<ILogger<DataKeyService>>()));
        services.TryAddSingleton(sp => new DocumentCipher(sp.GetRequiredService<DataKeyService>(), sp.GetService<ILogger<DocumentCipher>>()));
        return services;
    }
}

/// <summary>Start-up validation of <see cref="DekCacheOptions"/>.</summary>
internal sealed class DekCacheOptionsValidator : IValidateOptions<DekCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, DekCacheOptions options)
    {
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
