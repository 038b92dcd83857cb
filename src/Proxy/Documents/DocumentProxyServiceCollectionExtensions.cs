using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Keys;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Reload;
using PolicyKeyClass = Sovereignty.Policies.Model.KeyClassInfo;

namespace Sovereignty.Proxy.Documents;

/// <summary>Registers and maps the document proxy (YARP routes and clusters from the <c>ReverseProxy</c> section).</summary>
public static class DocumentProxyServiceCollectionExtensions
{
    /// <summary>YARP's configuration section.</summary>
    public const string ReverseProxySection = "ReverseProxy";

    /// <summary>
    /// Adds the document proxy over the policy directory and the key service's
    /// <see cref="KeyService.DataKeys.DocumentCipher"/>; the host registers the key service and
    /// the audit log (<see cref="KeyService.Audit.IKeyEventLog"/>).
    /// </summary>
    public static IServiceCollection AddDocumentProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DocumentProxyOptions>()
            .Bind(configuration.GetSection(DocumentProxyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DocumentProxyOptions>, DocumentProxyOptionsValidator>();
        services.TryAddSingleton(_ => new ContentExtractor());
        AddPolicy(services, configuration);
        services.TryAddSingleton<IDocumentPolicy, PolicyDocumentPolicy>();
        services.TryAddSingleton<IDocumentEnvelopes, KeyServiceDocumentEnvelopes>();
        services.AddSingleton<DocumentStores>();
        services.AddSingleton<DocumentAudit>();
        services.AddSingleton<InspectionSlots>();
        services.AddSingleton<UploadConditions>();
        services.AddSingleton<DocumentUploadHandler>();
        services.AddSingleton<DocumentDownloadHandler>();
        services.AddSingleton<StoreCopies>();
        services.AddSingleton<RelocationCheck>();
        services.AddSingleton<RelocationCleanup>();
        services.AddSingleton<DocumentDeleteHandler>();
        services.AddSingleton<PropfindRewriter>();
        services.AddSingleton<PropfindHandler>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(ReverseProxySection))
            .AddTransforms<DocumentTransformProvider>();
        return services;
    }

    // The live, hot-reloaded policy: Sovereignty:Policy (Watch, Debounce, PollInterval; Directory
    // defaults to Sovereignty:Documents:PolicyDirectory), checked against the configured key classes.
    private static void AddPolicy(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSovereigntyPolicy(sp => [.. sp.GetRequiredService<IKeyRing>().Classes.Select(c => new PolicyKeyClass(c.Name, c.Residency))])
            .Bind(configuration.GetSection(PolicyProviderOptions.Section))
            .Configure<IOptions<DocumentProxyOptions>>((policy, documents) =>
            {
                if (string.IsNullOrWhiteSpace(policy.Directory))
                {
                    policy.Directory = documents.Value.PolicyDirectory;
                }
            });
        services.TryAddSingleton<ReloadingPolicySource>();
        services.TryAddSingleton<IPolicySource>(sp => sp.GetRequiredService<ReloadingPolicySource>());
        services.AddHostedService<PolicyStartup>();
    }

    /// <summary>Maps every configured route through the document proxy's pipeline.</summary>
    public static IEndpointRouteBuilder MapDocumentProxy(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(pipeline =>
        {
            pipeline.UseMiddleware<DocumentProxyMiddleware>();
            pipeline.UseSessionAffinity();
            pipeline.UseLoadBalancing();
            pipeline.UsePassiveHealthChecks();
        });
        return endpoints;
    }
}
