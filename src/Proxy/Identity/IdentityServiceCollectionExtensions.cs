using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Identity;

/// <summary>Registers caller authentication: JWT bearer tokens, and optionally pinned client certificates.</summary>
public static class IdentityServiceCollectionExtensions
{
    /// <summary>The default scheme: a bearer token when one is sent, else a client certificate.</summary>
    public const string CallerScheme = "Caller";

    public static IServiceCollection AddCallerIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IdentityOptions>()
            .Bind(configuration.GetSection(IdentityOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<IdentityOptions>, IdentityOptionsValidator>();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ValidatedTokenCache>();

        services.AddAuthentication(CallerScheme)
            .AddPolicyScheme(CallerScheme, "Bearer token or client certificate", scheme =>
            {
                scheme.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count == 0 && context.Connection.ClientCertificate is not null
                        ? ClientCertificateAuthenticationHandler.SchemeName
                        : JwtBearerDefaults.AuthenticationScheme;
            })
            .AddJwtBearer()
            .AddScheme<AuthenticationSchemeOptions, ClientCertificateAuthenticationHandler>(
                ClientCertificateAuthenticationHandler.SchemeName, _ => { });
        services.AddAuthorization();
        return services;
    }

    /// <summary>The authenticated caller of <paramref name="context"/>, or null when anonymous.</summary>
    public static CallerIdentity? GetCaller(this HttpContext context) =>
        CallerIdentity.FromHttpContext(context, context.RequestServices.GetRequiredService<IOptions<IdentityOptions>>().Value);
}
