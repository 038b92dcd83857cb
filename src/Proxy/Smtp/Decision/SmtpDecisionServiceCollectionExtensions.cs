using Microsoft.Extensions.DependencyInjection.Extensions;
using Sovereignty.KeyService.Smime;
using Sovereignty.Policies.Extraction;
using Sovereignty.Proxy.Smtp.Transform;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>Registers the policy decision at end of DATA as the relay's <see cref="IMessageTransformer"/>.</summary>
public static class SmtpDecisionServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="PolicyMessageTransformer"/> and the S/MIME services it uses (bound to
    /// <c>Sovereignty:Smime</c>, validated at start-up). Call it before
    /// <see cref="SmtpRelayServiceCollectionExtensions.AddSmtpRelay"/>, in a host that already
    /// provides the key service (<c>AddSovereigntyKeys</c>), the audit log (<c>IKeyEventLog</c>)
    /// and the current policy (<see cref="Documents.IPolicySource"/>).
    /// </summary>
    public static IServiceCollection AddSmtpPolicyDecision(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddSmime(configuration);
        services.TryAddSingleton(_ => new ContentExtractor());
        services.TryAddSingleton<MailAudit>();
        services.TryAddSingleton<IMessageTransformer, PolicyMessageTransformer>();
        return services;
    }
}
