using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Keys;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>Registers the Redis audit log.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AuditOptions"/> from <paramref name="section"/> (validated at start-up),
    /// registers the one shared <see cref="IConnectionMultiplexer"/> (unless one is already
    /// registered), the readers, and <see cref="RedisKeyEventLog"/> as the <see cref="IKeyEventLog"/>
    /// (replacing any earlier registration). Checkpoints are signed by <see cref="HsmCheckpointSigner"/>
    /// unless another <see cref="ICheckpointSigner"/> is registered; it needs <c>AddSovereigntyKeys</c>.
    /// </summary>
    public static IServiceCollection AddRedisAuditLog(this IServiceCollection services, IConfigurationSection section)
    {
        services.AddOptions<AuditOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IConnectionMultiplexer>(sp => ConnectRedis(sp.GetRequiredService<IOptions<AuditOptions>>().Value));
        services.TryAddSingleton(sp => new AuditReader(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<AuditOptions>>().Value.KeyPrefix));
        services.TryAddSingleton(sp => new AuditStatisticsReader(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<IOptions<AuditOptions>>().Value.KeyPrefix));
        services.TryAddSingleton(sp => new HsmCheckpointSigner(sp.GetRequiredService<KeyCatalog>(), sp.GetRequiredService<IOptions<AuditOptions>>().Value.CheckpointKeyPair));
        services.TryAddSingleton<ICheckpointSigner>(sp => sp.GetRequiredService<HsmCheckpointSigner>());
        services.TryAddSingleton<RedisKeyEventLog>();
        services.RemoveAll<IKeyEventLog>();
        services.AddSingleton<IKeyEventLog>(sp => sp.GetRequiredService<RedisKeyEventLog>());
        return services;
    }

    /// <summary>
    /// Connects without failing when Redis is down at start-up: the log then fails closed
    /// (or journals) until Redis answers, instead of the process refusing to start.
    /// </summary>
    public static IConnectionMultiplexer ConnectRedis(AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(options.Redis ?? throw new KeyServiceException(KeyErrorKind.Configuration, "Sovereignty:Audit:Redis is not set."));
        configuration.AbortOnConnectFail = false;
        configuration.ClientName ??= "sovereignty-audit-" + options.NodeId;
        return ConnectionMultiplexer.Connect(configuration);
    }
}
