using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Keys;
using Sovereignty.Proxy.Admin;
using Sovereignty.Proxy.Audit;
using Sovereignty.Proxy.Documents;
using Sovereignty.Proxy.Identity;
using Sovereignty.Proxy.Smtp;
using Sovereignty.Proxy.Smtp.Decision;

namespace Sovereignty.Proxy.Hosting;

/// <summary>
/// The <c>sovereignty serve</c> host: Kestrel with the YARP document proxy, caller
/// authentication, health and readiness endpoints, settings validated at start-up and a
/// graceful shutdown that lets in-flight requests finish.
/// </summary>
public static class ServeHost
{
    /// <summary>A builder with every serve component registered; tests add configuration and services before <see cref="Build"/>.</summary>
    /// <param name="args">Configuration arguments (<c>--Urls …</c>, <c>--Sovereignty:Section:Key value</c>).</param>
    /// <param name="settingsFile">
    /// An extra JSON settings file (<c>serve --config FILE</c>): it overrides appsettings.json and is
    /// overridden by environment variables and arguments, the same order as the other verbs.
    /// </param>
    public static WebApplicationBuilder CreateBuilder(string[] args, string? settingsFile = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(BuilderOptions(args));
        IServiceCollection services = builder.Services;
        ConfigurationManager configuration = builder.Configuration;
        if (settingsFile is not null)
        {
            AddSettingsFile(configuration, settingsFile);
        }

        services.AddOptions<ServeOptions>()
            .Bind(configuration.GetSection(ServeOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServeOptions>, ServeOptionsValidator>();
        services.AddOptions<HostOptions>()
            .Configure<IOptions<ServeOptions>>((host, serve) => host.ShutdownTimeout = serve.Value.ShutdownTimeout);
        services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<ServeOptions>>((kestrel, serve) => kestrel.Limits.MaxRequestBodySize = serve.Value.MaxRequestBodyBytes);
        services.AddSingleton(TimeProvider.System);

        // Key service (HSM providers, key ring, data keys and DEK cache) and the audit log.
        services.AddSovereigntyKeys(configuration);
        services.AddSovereigntyDataKeys(configuration);
        services.AddRedisAuditLog(configuration.GetSection(AuditOptions.SectionName));

        services.AddCallerIdentity(configuration);
        services.AddDocumentProxy(configuration);
        services.AddAuditApi();
        services.AddAdminApi();
        if (configuration.GetSection(SmtpRelayOptions.SectionName).Exists())
        {
            // The relay runs in the same host when it is configured; a document-only node has no SMTP settings.
            // The policy decision (and Sovereignty:Smime) must be registered before the relay, which
            // otherwise falls back to pass-through.
            services.AddSmtpPolicyDecision(configuration);
            services.AddSmtpRelay(configuration);
        }

        // A singleton so the HSM check's cached answer outlives one probe.
        services.AddSingleton<HsmHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<HsmHealthCheck>("hsm", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<AuditLogHealthCheck>("audit-log", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<UpstreamStoresHealthCheck>("document-stores", tags: [HealthEndpoints.ReadyTag])
            .AddCheck<PolicyLoadedHealthCheck>("policy", tags: [HealthEndpoints.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Builder options: appsettings.json beside the executable, as for the other verbs, and read
    /// once (settings are validated at start-up, not reloaded). The ASP.NET defaults (content
    /// root = working directory, reload on change) made every serve process watch its working
    /// directory recursively: started from the repository, that is the dev cloud store and the
    /// Redis files, and the watcher's thread took ~11 % of a loaded gateway's CPU samples.
    /// </summary>
    public static WebApplicationOptions BuilderOptions(string[] args) => new()
    {
        Args = ["--hostBuilder:reloadConfigOnChange=false", .. args],
        ContentRootPath = AppContext.BaseDirectory,
    };

    // Inserted before the environment and command-line sources so those still win over the file.
    private static void AddSettingsFile(ConfigurationManager configuration, string settingsFile)
    {
        string path = Path.GetFullPath(settingsFile);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Settings file '{path}' (--config) does not exist.", path);
        }

        IConfigurationSource[] sources = [.. ((IConfigurationBuilder)configuration).Sources];
        int position = Array.FindLastIndex(sources, source => source is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        var fileSource = new JsonConfigurationSource { Path = path, Optional = false, ReloadOnChange = false };
        fileSource.ResolveFileProvider();
        ((IConfigurationBuilder)configuration).Sources.Insert(position < 0 ? sources.Length : position, fileSource);
    }

    /// <summary>Builds the application and maps its endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthEndpoints();
        app.MapAuditApi();
        app.MapAdminApi();
        app.MapDocumentProxy();
        return app;
    }
}
