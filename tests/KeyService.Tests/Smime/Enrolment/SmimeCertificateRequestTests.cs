using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.KeyService.Smime.Enrolment;
using Sovereignty.KeyService.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Smime.Enrolment;

/// <summary>
/// Certificate requests for the gateway's own keys, signed in a real SoftHSM token and
/// checked with openssl: the request carries the HSM's public key, verifies, asks for the
/// right usage, and signing it is one audited key use.
/// </summary>
public sealed class SmimeCertificateRequestTests : IClassFixture<SoftHsmToken>, IAsyncLifetime, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly RecordingKeyEventLog _log = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("sov-csr-").FullName;
    private KeyProviderRegistry? _registry;
    private KeyPairRing? _ring;
    private RsaPublicKeyInfo? _signingKey;

    public SmimeCertificateRequestTests(SoftHsmToken token) => _token = token;

    public async Task InitializeAsync()
    {
        var label = "csr-signing-" + Guid.NewGuid().ToString("N")[..8];
        var hsm = new HsmOptions
        {
            Providers = [_token.ProviderOptions("softhsm")],
            KeyPairs = [new KeyPairOptions { Name = "smime-signing", Provider = "softhsm", KeyLabel = label, ModulusBits = 2048 }],
        };
        _registry = new KeyProviderRegistry(hsm);
        _signingKey = await _registry.GetAsymmetricKeyProvider("softhsm").CreateRsaKeyPairAsync(label, 2048, default);
        _ring = new KeyPairRing(new KeyCatalog(hsm, _registry, TimeProvider.System), _log);
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private Task<string> CreateAsync(SmimeKeyPurpose purpose, string keyPair = "smime-signing") =>
        SmimeCertificateRequest.CreatePemAsync(
            _ring!,
            keyPair,
            new X500DistinguishedName("CN=Passerelle S/MIME, O=La Poste, C=FR"),
            "smime@laposte.example",
            purpose,
            new KeyUse { Actor = "operator", Purpose = "smime csr" },
            default);

    [Fact]
    public async Task CreatePemAsync_SigningKey_OpensslVerifiesRequestWithTheHsmPublicKey()
    {
        var pem = await CreateAsync(SmimeKeyPurpose.Signing);
        var path = Path.Combine(_directory, "signing.csr");
        await File.WriteAllTextAsync(path, pem);

        var (exit, output, error) = await ExternalTool.RunAsync("openssl", "req", "-in", path, "-verify", "-noout", "-text");

        Assert.True(exit == 0, error);
        Assert.Contains("verify OK", output + error, StringComparison.Ordinal);
        Assert.Contains("CN = Passerelle S/MIME", output, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Non Repudiation", output, StringComparison.Ordinal);
        Assert.Contains("E-mail Protection", output, StringComparison.Ordinal);
        Assert.Contains("email:smime@laposte.example", output, StringComparison.Ordinal);
        var request = CertificateRequest.LoadSigningRequestPem(pem, System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Equal(_signingKey!.SubjectPublicKeyInfo, request.PublicKey.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public async Task CreatePemAsync_EncryptionPurpose_AsksForKeyEnciphermentOnly()
    {
        var pem = await CreateAsync(SmimeKeyPurpose.Encryption);
        var path = Path.Combine(_directory, "escrow.csr");
        await File.WriteAllTextAsync(path, pem);

        var output = await ExternalTool.RunOkAsync("openssl", "req", "-in", path, "-noout", "-text");

        Assert.Contains("Key Encipherment", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Digital Signature", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreatePemAsync_OneRequest_RecordsExactlyOneSignEvent()
    {
        await CreateAsync(SmimeKeyPurpose.Signing);

        var keyEvent = Assert.Single(_log.Events);
        Assert.Equal(KeyOperation.Sign, keyEvent.Operation);
        Assert.Equal(KeyEventResult.Ok, keyEvent.Result);
        Assert.Equal("smime-signing", keyEvent.KeyClass);
        Assert.Equal("operator", keyEvent.Use.Actor);
    }

    [Fact]
    public async Task CreatePemAsync_AuditLogDown_RetryableErrorAndNoRequest()
    {
        _log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => CreateAsync(SmimeKeyPurpose.Signing));

        Assert.True(error.IsRetryable);
        Assert.Empty(_log.Events);
    }

    [Fact]
    public async Task CreatePemAsync_UnknownKeyPair_NamesItAndUsesNoKey()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => CreateAsync(SmimeKeyPurpose.Signing, "no-such-pair"));

        Assert.Contains("no-such-pair", error.Message, StringComparison.Ordinal);
        Assert.Empty(_log.Events);
    }
}
