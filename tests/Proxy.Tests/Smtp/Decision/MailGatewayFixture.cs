using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.KeyService.Tests.Smime;
using Sovereignty.Proxy.Hosting;
using Sovereignty.Proxy.Identity;
using Sovereignty.Proxy.Smtp.Listener;
using Sovereignty.Proxy.Tests.Smtp.Testing;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>
/// <c>sovereignty serve</c> running the SMTP relay with the policy decision, on loopback: a
/// SoftHSM token holding the organisation's signing and escrow keys (certificates issued at
/// test time by a throw-away PKI), a private redis-server as the audit log, a real SMTP server
/// as the upstream smart host, and <see cref="TestMailPolicy"/>.
/// </summary>
/// <remarks>
/// Recipients: <c>alice@encrypt.example</c>, <c>bob@both.example</c> and
/// <c>sam@sign.example</c> have valid certificates; <c>dave@encrypt.example</c>'s has expired;
/// <c>rita@both.example</c>'s is revoked; nobody in <c>escrow.example</c> has one.
/// </remarks>
public sealed class MailGatewayFixture : IAsyncLifetime
{
    public const string Alice = "alice@encrypt.example";
    public const string Bob = "bob@both.example";
    public const string Dave = "dave@encrypt.example";
    public const string Rita = "rita@both.example";
    public const string Carol = "carol@escrow.example";
    public const string Sam = "sam@sign.example";
    public const string Sender = "jdupont@org.example";

    private readonly DevTokenIssuer _tokens = DevTokenIssuer.Generate();
    private readonly string _directory = Directory.CreateTempSubdirectory("sovereignty-mail-").FullName;
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];
    private readonly string _policyYaml;

    public MailGatewayFixture()
        : this(TestMailPolicy.Yaml())
    {
    }

    private MailGatewayFixture(string policyYaml) => _policyYaml = policyYaml;

    public SoftHsmToken Token { get; private set; } = null!;

    /// <summary>A gateway with its own policy text (an audit-only or an invalid policy); xunit needs the one public constructor.</summary>
    public static MailGatewayFixture WithPolicy(string policyYaml) => new(policyYaml);

    public TestPki Pki { get; } = new("Relay Test Root");

    public RedisServer Redis { get; private set; } = null!;

    public SmtpSink Sink { get; } = new();

    public WebApplication App { get; private set; } = null!;

    public int SmtpPort { get; private set; }

    /// <summary>Every log event of the host (ids and rendered text).</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    public string AuditNode { get; } = "mail-test-" + Guid.NewGuid().ToString("N")[..8];

    public X509Certificate2 AliceCertificate { get; private set; } = null!;

    public X509Certificate2 BobCertificate { get; private set; } = null!;

    public X509Certificate2 SigningCertificate { get; private set; } = null!;

    public string SigningKeyLabel => "smime-signing-" + _suffix;

    public string EscrowKeyLabel => "smime-escrow-" + _suffix;

    public string PolicyDirectory => Path.Combine(_directory, "policy");

    public string SpoolDirectory => Path.Combine(_directory, "spool");

    public async Task InitializeAsync()
    {
        Token = SoftHsmToken.Create("mail");
        byte[] signingKey;
        byte[] escrowKey;
        await using (var provider = new Pkcs11KeyProvider(Token.ProviderOptions("softhsm")))
        {
            signingKey = (await provider.CreateRsaKeyPairAsync(SigningKeyLabel, 2048, default)).SubjectPublicKeyInfo;
            escrowKey = (await provider.CreateRsaKeyPairAsync(EscrowKeyLabel, 2048, default)).SubjectPublicKeyInfo;
        }

        SigningCertificate = Pki.IssueFor(signingKey, "gateway@org.example",
            new RecipientProfile { KeyUsage = X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation });
        using var escrow = Pki.IssueFor(escrowKey, "escrow@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.KeyEncipherment });
        AliceCertificate = Pki.Issue(Alice);
        BobCertificate = Pki.Issue(Bob);
        using var sam = Pki.Issue(Sam);
        using var dave = Pki.Issue(Dave, new RecipientProfile { NotBefore = TimeSpan.FromDays(-30), NotAfter = TimeSpan.FromDays(-1) });
        using var rita = Pki.Issue(Rita);
        foreach (var (address, certificate) in new[] { (Alice, AliceCertificate), (Bob, BobCertificate), (Sam, sam), (Dave, dave), (Rita, rita) })
        {
            Pki.WritePem($"certs/{address}.pem", certificate);
        }

        Pki.WritePem("org/signing.pem", SigningCertificate, Pki.Ca);
        Pki.WritePem("org/escrow.pem", escrow);
        Pki.WriteCrl("ca.crl", Pki.CreateCrl([rita]));
        Directory.CreateDirectory(PolicyDirectory);
        await File.WriteAllTextAsync(Path.Combine(PolicyDirectory, "policy.yaml"), _policyYaml);

        Redis = await RedisServer.StartAsync();
        App = BuildApp();
        await App.StartAsync();
        // The audit log's checkpoint key pair is created once the host (and its log writer) runs.
        await App.Services.GetRequiredService<KeyManager>().InitAsync(KeyUse.Cli("mail-test-init"), CancellationToken.None);
        SmtpPort = App.Services.GetRequiredService<SmtpListener>().LocalEndPoint!.Port;
    }

    /// <summary>Every setting of the serve host: the same keys an operator writes in appsettings.json.</summary>
    public Dictionary<string, string?> Settings()
    {
        var settings = RelayHost.DefaultSettings(Sink.Port, SpoolDirectory);
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["Sovereignty:Identity:Issuer"] = "https://idp.test.invalid",
            ["Sovereignty:Identity:Audience"] = "sovereignty",
            ["Sovereignty:Identity:SigningKeys:0"] = _tokens.PublicKeyPem,
            ["Sovereignty:Documents:PolicyDirectory"] = PolicyDirectory,
            ["Sovereignty:Audit:Redis"] = Redis.ConnectionString,
            ["Sovereignty:Audit:NodeId"] = AuditNode,
            ["Sovereignty:Hsm:KeyPairs:0:Name"] = "audit-checkpoints",
            ["Sovereignty:Hsm:KeyPairs:0:Provider"] = "softhsm",
            ["Sovereignty:Hsm:KeyPairs:0:ModulusBits"] = "2048",
            ["Sovereignty:Hsm:KeyPairs:1:Name"] = "smime-signing",
            ["Sovereignty:Hsm:KeyPairs:1:Provider"] = "softhsm",
            ["Sovereignty:Hsm:KeyPairs:1:KeyLabel"] = SigningKeyLabel,
            ["Sovereignty:Hsm:KeyPairs:1:ModulusBits"] = "2048",
            ["Sovereignty:Hsm:KeyPairs:2:Name"] = "smime-escrow",
            ["Sovereignty:Hsm:KeyPairs:2:Provider"] = "softhsm",
            ["Sovereignty:Hsm:KeyPairs:2:KeyLabel"] = EscrowKeyLabel,
            ["Sovereignty:Hsm:KeyPairs:2:ModulusBits"] = "2048",
            ["Sovereignty:Smime:SigningCertificatePath"] = Path.Combine(Pki.Directory, "org", "signing.pem"),
            ["Sovereignty:Smime:EscrowCertificatePath"] = Path.Combine(Pki.Directory, "org", "escrow.pem"),
            ["Sovereignty:Smime:Certificates:Directory"] = Path.Combine(Pki.Directory, "certs"),
            ["Sovereignty:Smime:Certificates:TrustAnchorFiles:0"] = Pki.CaFile,
            ["Sovereignty:Smime:Certificates:CrlFiles:0"] = Path.Combine(Pki.Directory, "ca.crl"),
        })
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Audit records of this gateway for <paramref name="objectId"/> (a Message-ID with its angle brackets).</summary>
    public async Task<IReadOnlyList<AuditRecord>> AuditAsync(string objectId)
    {
        var reader = App.Services.GetRequiredService<AuditReader>();
        return await reader.QueryAsync(new AuditQuery { ObjectId = objectId, Node = AuditNode, Limit = 100 }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await Sink.DisposeAsync();
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        Token?.Dispose();
        AliceCertificate?.Dispose();
        BobCertificate?.Dispose();
        SigningCertificate?.Dispose();
        Pki.Dispose();
        _tokens.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private WebApplication BuildApp()
    {
        // As on an operator's command line: serve decides at build time whether to run the relay,
        // so the settings must be there when the builder is created.
        WebApplicationBuilder builder = ServeHost.CreateBuilder([.. Settings().Select(s => $"--{s.Key}={s.Value}")]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.AddProvider(Logs);
        builder.Services.PostConfigure<HsmOptions>(options => options.Providers.Add(Token.ProviderOptions("softhsm")));
        return ServeHost.Build(builder);
    }

    internal static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
}
