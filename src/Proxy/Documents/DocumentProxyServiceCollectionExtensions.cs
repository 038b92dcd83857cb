using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sovereignty.Policies.Extraction;

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
        services.TryAddSingleton<IPolicySource, DirectoryPolicySource>();
        services.TryAddSingleton<IDocumentPolicy, PolicyDocumentPolicy>();
        services.TryAddSingleton<IDocumentEnvelopes, KeyServiceDocumentEnvelopes>();
        services.AddSingleton<DocumentStores>();
        services.AddSingleton<DocumentAudit>();
        services.AddSingleton<DocumentUploadHandler>();
        services.AddSingleton<DocumentDownloadHandler>();
        services.AddSingleton<PropfindRewriter>();
        services.AddReverseProxy()
            .LoadFromConfig(configuration.GetSection(ReverseProxySection))
            .AddTransforms<DocumentTransformProvider>();
        return services;
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
