using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Proxy.Hosting;
using Sovereignty.Proxy.Identity;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Support;

/// <summary>
/// A whole gateway on loopback for functional tests: two nginx WebDAV stores (an EU one and a
/// French one) as the cloud, a SoftHSM token with the sample policy's key classes, a private
/// redis-server for the audit log, and <c>serve</c> itself on 127.0.0.1, port 0, with the
/// sample policy from <c>policies/</c>. Callers get tokens minted with a key made for the run.
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string Issuer = "https://idp.test.invalid";
    public const string Audience = "sovereignty";
    public const string EuStore = "sharepoint-eu";
    public const string FrStore = "sharepoint-fr";

    private readonly DevTokenIssuer _tokens = DevTokenIssuer.Generate();
    private readonly IDictionary<string, string?>? _overrides;
    private SoftHsmToken? _token;

    public GatewayFixture()
    {
    }

    /// <summary>A gateway whose settings are the defaults plus <paramref name="overrides"/> (for a test class of its own).</summary>
    /// <remarks>Internal: a collection fixture may have one public constructor only.</remarks>
    internal GatewayFixture(IDictionary<string, string?> overrides)
    {
        _overrides = overrides;
    }

    /// <summary>The SoftHSM token holding this gateway's keys.</summary>
    public SoftHsmToken HsmToken => _token ?? throw new InvalidOperationException("The fixture is not initialised.");

    public NginxWebDav Eu { get; private set; } = null!;

    public NginxWebDav Fr { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public string AuditNode { get; } = "proxy-test-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Every file both stores hold.</summary>
    public IEnumerable<string> StoredFiles() => Eu.StoredFiles().Concat(Fr.StoredFiles());

    public async Task InitializeAsync()
    {
        _token = SoftHsmToken.Create("proxy");
        Eu = await NginxWebDav.StartAsync();
        Fr = await NginxWebDav.StartAsync();
        Redis = await RedisServer.StartAsync();
        App = BuildApp(_overrides);
        // The audit log's writer runs as a hosted service: keys are created once the host runs.
        await App.StartAsync();
        await App.Services.GetRequiredService<KeyManager>().InitAsync(KeyUse.Cli("proxy-test-init"), CancellationToken.None);
        string address = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address + "/");
    }

    /// <summary>Builds the host (not started) with this fixture's stores, token, Redis and key.</summary>
    public WebApplication BuildApp(IDictionary<string, string?>? overrides = null)
    {
        WebApplicationBuilder builder = ServeHost.CreateBuilder([]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(Settings());
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.Services.PostConfigure<HsmOptions>(options => options.Providers.Add(_token!.ProviderOptions("softhsm")));
        return ServeHost.Build(builder);
    }

    /// <summary>A client calling the gateway as <paramref name="subject"/> in <paramref name="groups"/> (no token when subject is null).</summary>
    public HttpClient Client(string? subject, params string[] groups)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (subject is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(subject, groups));
        }

        return client;
    }

    /// <summary>A client calling the gateway as <paramref name="subject"/> holding <paramref name="role"/> (operator, auditor).</summary>
    public HttpClient RoleClient(string subject, string role)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", _tokens.Mint(Issuer, Audience, subject, [], TimeSpan.FromMinutes(30), DateTimeOffset.UtcNow, [role]));
        return client;
    }

    public string Token(string subject, params string[] groups) =>
        _tokens.Mint(Issuer, Audience, subject, groups, TimeSpan.FromMinutes(30), DateTimeOffset.UtcNow);

    public static string ForeignToken(string subject) =>
        DevTokenIssuer.Generate().Mint(Issuer, Audience, subject, [], TimeSpan.FromMinutes(30), DateTimeOffset.UtcNow);

    /// <summary>Audit records of this gateway for <paramref name="objectId"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditAsync(string objectId)
    {
        var reader = App.Services.GetRequiredService<AuditReader>();
        return await reader.QueryAsync(new AuditQuery { ObjectId = objectId, Node = AuditNode, Limit = 1000 }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await Eu.DisposeAsync();
        await Fr.DisposeAsync();
        await Redis.DisposeAsync();
        _token?.Dispose();
        _tokens.Dispose();
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sovereignty.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Sovereignty.sln not found above the test binaries.");
    }

    /// <summary>
    /// This gateway's settings for a <c>sovereignty serve</c> child process (which also needs
    /// <see cref="SoftHsmToken.ChildProcessEnvironment"/>): the same stores, Redis, token and key.
    /// </summary>
    public Dictionary<string, string?> ChildProcessSettings()
    {
        Dictionary<string, string?> settings = Settings();
        settings["Sovereignty:Hsm:Providers:0:Name"] = "softhsm";
        settings["Sovereignty:Hsm:Providers:0:ModulePath"] = HsmToken.ModulePath;
        settings["Sovereignty:Hsm:Providers:0:TokenLabel"] = HsmToken.TokenLabel;
        settings["Sovereignty:Hsm:Providers:0:PinFile"] = HsmToken.PinFile;
        return settings;
    }

    /// <summary>The public key of this gateway's token issuer as a JWKS document.</summary>
    public string JwksJson => _tokens.JwksJson;

    private Dictionary<string, string?> Settings()
    {
        Dictionary<string, string?> settings = BaseSettings();
        if (_overrides?.ContainsKey("Sovereignty:Identity:JwksUrl") == true)
        {
            // Keys come from the JWKS endpoint instead: exactly one source of keys is allowed.
            settings.Remove("Sovereignty:Identity:SigningKeys:0");
        }

        return settings;
    }

    private Dictionary<string, string?> BaseSettings() => new()
    {
        ["Sovereignty:Identity:Issuer"] = Issuer,
        ["Sovereignty:Identity:Audience"] = Audience,
        ["Sovereignty:Identity:SigningKeys:0"] = _tokens.PublicKeyPem,
        ["Sovereignty:Documents:PolicyDirectory"] = Path.Combine(RepositoryRoot(), "policies"),
        ["Sovereignty:Documents:InspectionWindowBytes"] = (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sovereignty:Documents:ConcurrentLargeInspections"] = "1",
        ["Sovereignty:Documents:RetryAfterSeconds"] = "7",
        ["Sovereignty:Audit:Redis"] = Redis.ConnectionString,
        ["Sovereignty:Audit:NodeId"] = AuditNode,
        ["Sovereignty:Hsm:KeyClasses:0:Name"] = "interne-eu",
        ["Sovereignty:Hsm:KeyClasses:0:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:0:Residency"] = "EU",
        ["Sovereignty:Hsm:KeyClasses:1:Name"] = "confidentiel-fr",
        ["Sovereignty:Hsm:KeyClasses:1:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:1:Residency"] = "FR",
        ["Sovereignty:Hsm:KeyClasses:2:Name"] = "diffusion-restreinte-fr",
        ["Sovereignty:Hsm:KeyClasses:2:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:2:Residency"] = "FR",
        ["Sovereignty:Hsm:KeyPairs:0:Name"] = "audit-checkpoints",
        ["Sovereignty:Hsm:KeyPairs:0:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyPairs:0:ModulusBits"] = "2048",
        ["Sovereignty:Hsm:KeyPairs:0:Residency"] = "FR",
        ["ReverseProxy:Routes:documents:ClusterId"] = EuStore,
        ["ReverseProxy:Routes:documents:Match:Path"] = "/{**path}",
        ["ReverseProxy:Routes:documents:Metadata:Sovereignty.Stores"] = EuStore + "," + FrStore,
        ["ReverseProxy:Clusters:" + EuStore + ":Destinations:nginx:Address"] = Eu.BaseAddress.ToString(),
        ["ReverseProxy:Clusters:" + EuStore + ":Metadata:Sovereignty.Location"] = "EU",
        ["ReverseProxy:Clusters:" + FrStore + ":Destinations:nginx:Address"] = Fr.BaseAddress.ToString(),
        ["ReverseProxy:Clusters:" + FrStore + ":Metadata:Sovereignty.Location"] = "FR",
    };
}

[CollectionDefinition(Name)]
public sealed class GatewayGroup : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
