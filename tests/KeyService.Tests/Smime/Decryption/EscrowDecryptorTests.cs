using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Encryption;

namespace Sovereignty.KeyService.Tests.Smime.Decryption;

public sealed class EscrowDecryptorTests : IClassFixture<SmimeFixture>
{
    private readonly SmimeFixture _fixture;

    public EscrowDecryptorTests(SmimeFixture fixture) => _fixture = fixture;

    private static async Task<MimeMessage> EncryptAsync(Harness harness, string canary, bool sign = false)
    {
        var request = new SmimeEncryptionRequest(SmimeFixture.CanaryMessage(canary, SmimeFixture.Alice), [SmimeFixture.Alice], SmimeFixture.Use)
        {
            PlaceholderSubject = "[encrypted]",
            Sign = sign,
        };
        var result = await harness.Services.Encryptor.EncryptAsync(request, default);
        return Reparse(result.Message!);
    }

    /// <summary>What the CLI sees: the message as bytes, parsed again.</summary>
    private static MimeMessage Reparse(MimeMessage message)
    {
        using var memory = new MemoryStream();
        message.WriteTo(memory);
        memory.Position = 0;
        return MimeMessage.Load(memory);
    }

    [Theory]
    [InlineData(KeyTransport.Pkcs1)]
    [InlineData(KeyTransport.OaepSha1)]
    [InlineData(KeyTransport.OaepSha256)]
    public async Task DecryptAsync_EachEscrowKeyTransport_RestoresBodyAndRealSubject(KeyTransport transport)
    {
        var harness = _fixture.CreateHarness(transport);
        var encrypted = await EncryptAsync(harness, "CANARYESC");
        Assert.Equal("[encrypted]", encrypted.Subject);

        var decrypted = await harness.Services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default);

        Assert.Equal("Subject CANARYESC-SUBJECT", decrypted.Subject);
        Assert.Equal("CANARYESC-KEYWORDS", decrypted.Headers["Keywords"]);
        Assert.Contains("CANARYESC-BODY", decrypted.TextBody, StringComparison.Ordinal);
        Assert.Contains(decrypted.Attachments.OfType<MimePart>(), a => a.FileName == "contract.txt");
    }

    [Fact]
    public async Task DecryptAsync_OneMessage_EmitsExactlyOneDecryptKeyEvent()
    {
        var harness = _fixture.CreateHarness();
        var encrypted = await EncryptAsync(harness, "ONE");

        await harness.Services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default);

        var keyEvent = Assert.Single(harness.Log.Events);
        Assert.Equal(KeyOperation.DecryptKey, keyEvent.Operation);
        Assert.Equal(KeyEventResult.Ok, keyEvent.Result);
        Assert.Equal("smime-escrow", keyEvent.KeyClass);
        Assert.Equal(1, harness.Keys.Calls);
    }

    [Fact]
    public async Task DecryptAsync_SignedThenEncrypted_InnerSignatureVerifiesWithOpenssl()
    {
        var harness = _fixture.CreateHarness();
        var encrypted = await EncryptAsync(harness, "SIGNENC", sign: true);

        var decrypted = await harness.Services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default);

        Assert.IsType<MultipartSigned>(decrypted.Body);
        Assert.Equal("Subject SIGNENC-SUBJECT", decrypted.Subject);
        var path = await CmsInspection.WriteAsync(decrypted, _fixture.Pki.Directory, Guid.NewGuid() + ".eml");
        var (exit, output, error) = await ExternalTool.RunAsync("openssl", "cms", "-verify", "-in", path, "-CAfile", _fixture.Pki.CaFile);
        Assert.True(exit == 0, error);
        Assert.Contains("SIGNENC-BODY", output, StringComparison.Ordinal);
        Assert.Equal([KeyOperation.Sign, KeyOperation.DecryptKey], harness.Log.Events.Select(e => e.Operation));
    }

    [Fact]
    public async Task DecryptAsync_AuditLogDown_RetryableErrorAndNoPlaintext()
    {
        var harness = _fixture.CreateHarness();
        var encrypted = await EncryptAsync(harness, "NOLOG");
        harness.Log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default));

        Assert.True(error.IsRetryable);
        Assert.IsType<ApplicationPkcs7Mime>(encrypted.Body);
    }

    [Fact]
    public async Task DecryptAsync_HsmUnavailable_RetryableError()
    {
        var harness = _fixture.CreateHarness();
        var encrypted = await EncryptAsync(harness, "NOHSM");
        harness.Keys.Unavailable = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.EscrowDecryptor.DecryptAsync(encrypted, SmimeFixture.Use, default));

        Assert.True(error.IsRetryable);
        Assert.Equal(KeyEventResult.Error, Assert.Single(harness.Log.Events).Result);
    }

    [Fact]
    public async Task DecryptAsync_NotEncrypted_InvalidData()
    {
        var harness = _fixture.CreateHarness();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.EscrowDecryptor.DecryptAsync(SmimeFixture.CanaryMessage("PLAIN"), SmimeFixture.Use, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Empty(harness.Log.Events);
    }

    [Fact]
    public async Task DecryptAsync_NotForEscrowCertificate_InvalidDataWithoutKeyUse()
    {
        var harness = _fixture.CreateHarness();
        var other = await EncryptAsync(harness, "OTHER");
        var withoutEscrow = new MimeMessage();
        // Re-encrypt the same content to Alice only: the escrow key has nothing to decrypt.
        var recipients = new CmsRecipientCollection { new(_fixture.AliceCertificate, SubjectIdentifierType.IssuerAndSerialNumber) { EncryptionAlgorithms = [EncryptionAlgorithm.Aes256] } };
        using (var context = new TemporarySecureMimeContext())
        {
            withoutEscrow.Body = await ApplicationPkcs7Mime.EncryptAsync(context, recipients, new TextPart("plain") { Text = "x" });
        }

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.EscrowDecryptor.DecryptAsync(withoutEscrow, SmimeFixture.Use, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Equal(0, harness.Keys.Calls);
        Assert.NotNull(other);
    }

    [Fact]
    public async Task DecryptAsync_CorruptCms_InvalidData()
    {
        var harness = _fixture.CreateHarness();
        var corrupt = new MimeMessage { Body = new ApplicationPkcs7Mime(SecureMimeType.EnvelopedData, new MemoryStream([0x30, 0x82, 0x01, 0x00, 0x06])) };

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.EscrowDecryptor.DecryptAsync(corrupt, SmimeFixture.Use, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }
}
