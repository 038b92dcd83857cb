using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Smtp.Delivery;
using Sovereignty.Proxy.Smtp.Listener;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp;

/// <summary>Registers the SMTP relay (listener, spool, delivery worker) in a host.</summary>
public static class SmtpRelayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the relay bound to <c>Sovereignty:Smtp</c> of <paramref name="configuration"/>,
    /// validated at start-up. The decision step is the registered
    /// <see cref="IMessageTransformer"/>; <see cref="PassThroughMessageTransformer"/> unless
    /// one was registered before this call.
    /// </summary>
    public static IServiceCollection AddSmtpRelay(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<SmtpRelayOptions>()
            .Bind(configuration.GetSection(SmtpRelayOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpRelayOptions>, SmtpRelayOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IMessageTransformer, PassThroughMessageTransformer>();
        services.TryAddSingleton<SpoolNotifications>();
        services.TryAddSingleton(sp => new SpoolStore(
            sp.GetRequiredService<IOptions<SmtpRelayOptions>>().Value.SpoolDirectory,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SpoolStore>>(),
            sp.GetRequiredService<SpoolNotifications>()));
        services.TryAddSingleton(sp => new SmtpListener(
            sp.GetRequiredService<IOptions<SmtpRelayOptions>>(),
            sp.GetRequiredService<IMessageTransformer>(),
            sp.GetRequiredService<SpoolStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SmtpListener>>()));
        services.TryAddSingleton(sp => new DeliveryWorker(
            sp.GetRequiredService<IOptions<SmtpRelayOptions>>(),
            sp.GetRequiredService<SpoolStore>(),
            sp.GetRequiredService<SpoolNotifications>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeliveryWorker>>()));
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListener>());
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
        return services;
    }
}
