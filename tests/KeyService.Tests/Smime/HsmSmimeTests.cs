using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.KeyService.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>
/// The organisation's signing and escrow keys in a real SoftHSM token, used through the real
/// <see cref="KeyPairRing"/>: signatures made in the HSM verify with openssl, escrow
/// decryption through the HSM works for every key transport, one key event per use.
/// </summary>
public sealed class HsmSmimeTests : IClassFixture<SoftHsmToken>, IAsyncLifetime, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly TestPki _pki = new();
    private readonly RecordingKeyEventLog _log = new();
    private KeyProviderRegistry? _registry;
    private KeyPairRing? _ring;
    private X509Certificate2? _alice;
    private string? _certificates;
    private string? _signingFile;
    private string? _escrowFile;
    private byte[]? _escrowKey;
    private byte[]? _previousEscrowKey;

    public HsmSmimeTests(SoftHsmToken token) => _token = token;

    public async Task InitializeAsync()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var hsm = new HsmOptions
        {
            Providers = [_token.ProviderOptions("softhsm")],
            KeyPairs =
            [
                new KeyPairOptions { Name = "smime-signing", Provider = "softhsm", KeyLabel = "smime-signing-" + suffix, ModulusBits = 2048 },
                new KeyPairOptions { Name = "smime-escrow", Provider = "softhsm", KeyLabel = "smime-escrow-" + suffix, ModulusBits = 2048 },
                new KeyPairOptions { Name = "smime-escrow-2025", Provider = "softhsm", KeyLabel = "smime-escrow-2025-" + suffix, ModulusBits = 2048 },
            ],
        };
        _registry = new KeyProviderRegistry(hsm);
        var provider = _registry.GetAsymmetricKeyProvider("softhsm");
        var signing = await provider.CreateRsaKeyPairAsync("smime-signing-" + suffix, 2048, default);
        var escrow = await provider.CreateRsaKeyPairAsync("smime-escrow-" + suffix, 2048, default);
        var previousEscrow = await provider.CreateRsaKeyPairAsync("smime-escrow-2025-" + suffix, 2048, default);
        _escrowKey = escrow.SubjectPublicKeyInfo;
        _previousEscrowKey = previousEscrow.SubjectPublicKeyInfo;
        _ring = new KeyPairRing(new KeyCatalog(hsm, _registry, TimeProvider.System), _log);

        using var signingCertificate = _pki.IssueFor(signing.SubjectPublicKeyInfo, "smime-gateway@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.DigitalSignature });
        using var escrowCertificate = _pki.IssueFor(escrow.SubjectPublicKeyInfo, "escrow@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.KeyEncipherment });
        _signingFile = _pki.WritePem("org/signing.pem", signingCertificate, _pki.Ca);
        _escrowFile = _pki.WritePem("org/escrow.pem", escrowCertificate);
        _alice = _pki.Issue(SmimeFixture.Alice);
        _pki.WritePem($"certs/{SmimeFixture.Alice}.pem", _alice);
        _certificates = Path.Combine(_pki.Directory, "certs");
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    public void Dispose() => _pki.Dispose();

    private SmimeServices Services(KeyTransport escrowTransport = KeyTransport.OaepSha256, string? escrowFile = null, RetiredEscrowCertificate[]? retired = null) => SmimeServices.Create(
        new SmimeOptions
        {
            SigningCertificatePath = _signingFile,
            EscrowCertificatePath = escrowFile ?? _escrowFile,
            RetiredEscrowCertificates = retired,
            EscrowKeyTransport = escrowTransport,
            Certificates = new()
            {
                Directory = _certificates,
                TrustAnchorFiles = [_pki.CaFile],
                CrlFiles = [_pki.WriteCrl("ca.crl", _pki.CreateCrl([]))],
            },
        },
        _ring!,
        TimeProvider.System,
        NullLoggerFactory.Instance);

    private static SmimeEncryptionRequest Request(string canary, bool sign = false) =>
        new(SmimeFixture.CanaryMessage(canary, SmimeFixture.Alice), [SmimeFixture.Alice], SmimeFixture.Use) { Sign = sign, PlaceholderSubject = "[encrypted]" };

    private static MimeMessage Reparse(MimeMessage message)
    {
        using var memory = new MemoryStream();
        message.WriteTo(memory);
        memory.Position = 0;
        return MimeMessage.Load(memory);
    }

    [Fact]
    public async Task SignMessageAsync_KeyInSoftHsm_OpensslVerifiesAndOneSignEvent()
    {
        var message = SmimeFixture.CanaryMessage("HSMSIGN", SmimeFixture.Alice);

        await Services().Signer!.SignMessageAsync(message, SmimeFixture.Use, default);

        var path = await CmsInspection.WriteAsync(message, _pki.Directory, Guid.NewGuid() + ".eml");
        var (exit, output, error) = await ExternalTool.RunAsync("openssl", "cms", "-verify", "-in", path, "-CAfile", _pki.CaFile, "-purpose", "smimesign");
        Assert.True(exit == 0, error);
        Assert.Contains("HSMSIGN-BODY", output, StringComparison.Ordinal);
        var keyEvent = Assert.Single(_log.Events);
        Assert.Equal((KeyOperation.Sign, KeyEventResult.Ok, "smime-signing"), (keyEvent.Operation, keyEvent.Result, keyEvent.KeyClass));
    }

    [Theory]
    [InlineData(KeyTransport.Pkcs1)]
    [InlineData(KeyTransport.OaepSha1)]
    [InlineData(KeyTransport.OaepSha256)]
    public async Task EscrowDecryptAsync_KeyInSoftHsm_DecryptsWithExactlyOneDecryptKeyEvent(KeyTransport transport)
    {
        var services = Services(transport);
        var encrypted = Reparse((await services.Encryptor.EncryptAsync(Request("HSMESC"), default)).Message!);

        var decrypted = await services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default);

        Assert.Equal("Subject HSMESC-SUBJECT", decrypted.Subject);
        Assert.Contains("HSMESC-BODY", decrypted.TextBody, StringComparison.Ordinal);
        var keyEvent = Assert.Single(_log.Events);
        Assert.Equal((KeyOperation.DecryptKey, KeyEventResult.Ok, "smime-escrow"), (keyEvent.Operation, keyEvent.Result, keyEvent.KeyClass));
        Assert.Equal("jdupont", keyEvent.Use.Actor);
    }

    private string IssueEscrowCertificate(byte[] subjectPublicKeyInfo)
    {
        using var certificate = _pki.IssueFor(subjectPublicKeyInfo, "escrow@org.example", new RecipientProfile { KeyUsage = X509KeyUsageFlags.KeyEncipherment });
        return _pki.WritePem($"org/escrow-{Guid.NewGuid():N}.pem", certificate);
    }

    [Fact]
    public async Task EscrowDecryptAsync_CertificateRenewedSameKey_OldMailOpensOnlyWithRetiredCertificateListed()
    {
        var before = Reparse((await Services().Encryptor.EncryptAsync(Request("RENEWED"), default)).Message!);
        var renewed = IssueEscrowCertificate(_escrowKey!);

        var withoutHistory = await Assert.ThrowsAsync<KeyServiceException>(
            () => Services(escrowFile: renewed).EscrowDecryptor.DecryptAsync(Reparse(before), SmimeFixture.Use, default));
        var decrypted = await Services(escrowFile: renewed, retired: [new RetiredEscrowCertificate { CertificatePath = _escrowFile }])
            .EscrowDecryptor.DecryptAsync(before, SmimeFixture.Use, default);

        Assert.Equal(KeyErrorKind.InvalidData, withoutHistory.Kind);
        Assert.Contains("RetiredEscrowCertificates", withoutHistory.Message, StringComparison.Ordinal);
        Assert.Equal("Subject RENEWED-SUBJECT", decrypted.Subject);
        var keyEvent = Assert.Single(_log.Events);
        Assert.Equal((KeyOperation.DecryptKey, KeyEventResult.Ok, "smime-escrow"), (keyEvent.Operation, keyEvent.Result, keyEvent.KeyClass));
    }

    [Fact]
    public async Task EscrowDecryptAsync_EscrowKeyRotated_OldMailDecryptsWithItsOwnKeyPair()
    {
        var previousCertificate = IssueEscrowCertificate(_previousEscrowKey!);
        var retired = new RetiredEscrowCertificate { CertificatePath = previousCertificate, KeyPair = "smime-escrow-2025" };
        var beforeRotation = Reparse((await Services().Encryptor.EncryptAsync(Request("ROTATED"), default)).Message!);
        var oldMail = Reparse((await Services(escrowFile: previousCertificate).Encryptor.EncryptAsync(Request("OLDKEY"), default)).Message!);
        var services = Services(retired: [retired]);

        var old = await services.EscrowDecryptor.DecryptAsync(oldMail, SmimeFixture.Use, default);
        var current = await services.EscrowDecryptor.DecryptAsync(beforeRotation, SmimeFixture.Use, default);

        Assert.Equal("Subject OLDKEY-SUBJECT", old.Subject);
        Assert.Equal("Subject ROTATED-SUBJECT", current.Subject);
        Assert.Equal(["smime-escrow-2025", "smime-escrow"], _log.Events.Select(e => e.KeyClass));
    }

    [Fact]
    public void Create_RetiredCertificateOfAnotherKeyWithoutKeyPair_ConfigurationErrorAtStartUp()
    {
        var otherKey = IssueEscrowCertificate(_previousEscrowKey!);

        var error = Assert.Throws<KeyServiceException>(() => Services(retired: [new RetiredEscrowCertificate { CertificatePath = otherKey }]));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Contains("certifies another key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptAsync_SignedInHsm_RecipientDecryptsAndVerifiesWithOpenssl()
    {
        var result = await Services().Encryptor.EncryptAsync(Request("HSMBOTH", sign: true), default);
        var encrypted = await CmsInspection.WriteAsync(result.Message!, _pki.Directory, Guid.NewGuid() + ".eml");
        var key = _pki.WriteKey(Guid.NewGuid() + ".key", _alice!);
        var certificate = _pki.WritePem(Guid.NewGuid() + ".pem", _alice!);
        var inner = Path.Combine(_pki.Directory, Guid.NewGuid() + ".eml");

        await ExternalTool.RunOkAsync("openssl", "cms", "-decrypt", "-in", encrypted, "-recip", certificate, "-inkey", key, "-out", inner);
        var (exit, output, error) = await ExternalTool.RunAsync("openssl", "cms", "-verify", "-in", inner, "-CAfile", _pki.CaFile);

        Assert.True(exit == 0, error);
        Assert.Contains("HSMBOTH-BODY", output, StringComparison.Ordinal);
        Assert.Contains("Subject: Subject HSMBOTH-SUBJECT", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EscrowDecryptAsync_AuditLogDown_RetryableAndNoPlaintext()
    {
        var services = Services();
        var encrypted = Reparse((await services.Encryptor.EncryptAsync(Request("HSMNOLOG"), default)).Message!);
        _log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default));

        Assert.True(error.IsRetryable);
        Assert.IsType<MimeKit.Cryptography.ApplicationPkcs7Mime>(encrypted.Body);
    }

    [Fact]
    public async Task SignMessageAsync_KeyPairMissingFromToken_KeyNotFoundAndFailureEvent()
    {
        var options = new HsmOptions
        {
            Providers = [_token.ProviderOptions("softhsm")],
            KeyPairs = [new KeyPairOptions { Name = "smime-signing", Provider = "softhsm", KeyLabel = "never-created" }, new KeyPairOptions { Name = "smime-escrow", Provider = "softhsm", KeyLabel = "never-created-2" }],
        };
        await using var registry = new KeyProviderRegistry(options);
        var ring = new KeyPairRing(new KeyCatalog(options, registry, TimeProvider.System), _log);
        var services = SmimeServices.Create(
            new SmimeOptions { SigningCertificatePath = _signingFile, EscrowCertificatePath = _escrowFile, Certificates = new() { Directory = _certificates, TrustAnchorFiles = [_pki.CaFile] } },
            ring,
            TimeProvider.System,
            NullLoggerFactory.Instance);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => services.Signer!.SignMessageAsync(SmimeFixture.CanaryMessage("X"), SmimeFixture.Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        Assert.Equal(KeyEventResult.Error, Assert.Single(_log.Events).Result);
    }
}
