using System.Text;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Encryption;

namespace Sovereignty.KeyService.Tests.Smime.Encryption;

public sealed class SmimeEncryptorTests : IClassFixture<SmimeFixture>
{
    private const string RsaEncryption = "1.2.840.113549.1.1.1";
    private const string RsaesOaep = "1.2.840.113549.1.1.7";
    private const string Aes256Cbc = "2.16.840.1.101.3.4.1.42";

    private readonly SmimeFixture _fixture;

    public SmimeEncryptorTests(SmimeFixture fixture) => _fixture = fixture;

    private static string Canary() => "CANARY" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant();

    private async Task<(SmimeEncryptionResult Result, string Canary, Harness Harness)> EncryptAsync(
        string[] recipients,
        bool sign = false,
        MissingCertificateAction missing = MissingCertificateAction.Refuse,
        KeyTransport escrowTransport = KeyTransport.OaepSha256)
    {
        var harness = _fixture.CreateHarness(escrowTransport);
        var canary = Canary();
        var request = new SmimeEncryptionRequest(SmimeFixture.CanaryMessage(canary, recipients), recipients, SmimeFixture.Use)
        {
            PlaceholderSubject = "[encrypted]",
            Sign = sign,
            WhenCertificateMissing = missing,
        };
        return (await harness.Services.Encryptor.EncryptAsync(request, default), canary, harness);
    }

    [Fact]
    public async Task EncryptAsync_Pkcs1Recipient_Aes256CbcIssuerSerialRecipientsPlusEscrow()
    {
        var (result, _, _) = await EncryptAsync([SmimeFixture.Alice]);

        Assert.True(result.Encrypted);
        var enveloped = CmsInspection.Enveloped(result.Message!);
        Assert.Equal(Aes256Cbc, enveloped.EncryptedContentInfo.ContentEncryptionAlgorithm.Algorithm.Id);
        var recipients = CmsInspection.Recipients(result.Message!);
        Assert.Equal(2, recipients.Count);
        Assert.All(recipients, r => Assert.True(r.IssuerAndSerial));
        Assert.Contains((true, RsaEncryption, CmsInspection.Serial(_fixture.AliceCertificate)), recipients);
        Assert.Contains((true, RsaesOaep, CmsInspection.Serial(_fixture.Escrow)), recipients);
        var part = Assert.IsType<ApplicationPkcs7Mime>(result.Message!.Body);
        Assert.Equal(SecureMimeType.EnvelopedData, part.SecureMimeType);
    }

    [Fact]
    public async Task EncryptAsync_RecipientAdvertisingOaep_UsesOaepForThatRecipientOnly()
    {
        var (result, _, _) = await EncryptAsync([SmimeFixture.Alice, SmimeFixture.Bob]);

        var recipients = CmsInspection.Recipients(result.Message!);
        Assert.Contains((true, RsaesOaep, CmsInspection.Serial(_fixture.BobCertificate)), recipients);
        Assert.Contains((true, RsaEncryption, CmsInspection.Serial(_fixture.AliceCertificate)), recipients);
        Assert.Equal(KeyTransport.OaepSha1, result.Recipients.Single(r => r.Address == SmimeFixture.Bob).Transport);
        Assert.Equal(KeyTransport.Pkcs1, result.Recipients.Single(r => r.Address == SmimeFixture.Alice).Transport);
    }

    [Fact]
    public async Task EncryptAsync_Canaries_NeverInEncryptedOutput()
    {
        var (result, canary, _) = await EncryptAsync([SmimeFixture.Alice, SmimeFixture.Bob], sign: true);

        using var memory = new MemoryStream();
        await result.Message!.WriteToAsync(memory);
        var bytes = memory.ToArray();
        Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(canary)));
        Assert.Equal("[encrypted]", result.Message.Subject);
        Assert.False(result.Message.Headers.Contains("Keywords"));
    }

    [Fact]
    public async Task EncryptAsync_Pkcs1Recipient_OpensslDecryptsWithRecipientKeyAndSubjectIsInside()
    {
        var (result, canary, _) = await EncryptAsync([SmimeFixture.Alice]);
        var input = await CmsInspection.WriteAsync(result.Message!, _fixture.Pki.Directory, Guid.NewGuid() + ".eml");
        var key = _fixture.Pki.WriteKey(Guid.NewGuid() + ".key", _fixture.AliceCertificate);
        var certificate = _fixture.Pki.WritePem(Guid.NewGuid() + ".pem", _fixture.AliceCertificate);

        var plain = await ExternalTool.RunOkAsync("openssl", "cms", "-decrypt", "-in", input, "-recip", certificate, "-inkey", key);

        Assert.Contains($"Subject: Subject {canary}-SUBJECT", plain, StringComparison.Ordinal);
        Assert.Contains("hp=cipher", plain.Replace("\"", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("hp-legacy-display", plain, StringComparison.Ordinal);
        Assert.Contains($"{canary}-BODY", plain, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SmimeFixture.Bob)]
    [InlineData(SmimeFixture.Carol)]
    public async Task EncryptAsync_OaepRecipient_OpensslDecrypts(string address)
    {
        var (result, canary, _) = await EncryptAsync([address]);
        var certificate = address == SmimeFixture.Bob ? _fixture.BobCertificate : _fixture.CarolCertificate;
        var input = await CmsInspection.WriteAsync(result.Message!, _fixture.Pki.Directory, Guid.NewGuid() + ".eml");
        var key = _fixture.Pki.WriteKey(Guid.NewGuid() + ".key", certificate);
        var pem = _fixture.Pki.WritePem(Guid.NewGuid() + ".pem", certificate);

        var plain = await ExternalTool.RunOkAsync("openssl", "cms", "-decrypt", "-in", input, "-recip", pem, "-inkey", key);

        Assert.Contains($"{canary}-BODY", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptAsync_Pkcs1Recipient_NssCmsutilDecryptsWithRecipientKey()
    {
        var (result, canary, _) = await EncryptAsync([SmimeFixture.Alice]);
        var db = Path.Combine(_fixture.Pki.Directory, "nss-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(db);
        var p12 = Path.Combine(_fixture.Pki.Directory, Guid.NewGuid() + ".p12");
        await File.WriteAllBytesAsync(p12, _fixture.AliceCertificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "test-pass"));
        await ExternalTool.RunOkAsync("certutil", "-N", "-d", "sql:" + db, "--empty-password");
        await ExternalTool.RunOkAsync("pk12util", "-i", p12, "-d", "sql:" + db, "-W", "test-pass", "-K", "");
        var p7m = Path.Combine(_fixture.Pki.Directory, Guid.NewGuid() + ".p7m");
        await File.WriteAllBytesAsync(p7m, CmsInspection.Pkcs7Bytes(result.Message!));

        var plain = await ExternalTool.RunOkAsync("cmsutil", "-D", "-i", p7m, "-d", "sql:" + db);

        Assert.Contains($"{canary}-BODY", plain, StringComparison.Ordinal);
        Assert.Contains($"Subject {canary}-SUBJECT", plain, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptAsync_RecipientWithoutCertificateAndRefuse_NoMessageAndReasonNamesRecipient()
    {
        var (result, _, harness) = await EncryptAsync([SmimeFixture.Alice, "nobody@nowhere.example"]);

        Assert.False(result.Encrypted);
        Assert.Null(result.Message);
        var missing = Assert.Single(result.MissingCertificates);
        Assert.Equal("nobody@nowhere.example", missing.Address);
        Assert.Equal("no certificate in the directory", missing.Reason);
        Assert.Equal(0, harness.Keys.Calls);
    }

    [Fact]
    public async Task EncryptAsync_RecipientWithoutCertificateAndEscrowOnly_EncryptsToOthersAndEscrow()
    {
        var (result, _, _) = await EncryptAsync(["nobody@nowhere.example"], missing: MissingCertificateAction.EncryptToEscrowOnly);

        Assert.True(result.Encrypted);
        Assert.Single(result.MissingCertificates);
        var recipient = Assert.Single(CmsInspection.Recipients(result.Message!));
        Assert.Equal(CmsInspection.Serial(_fixture.Escrow), recipient.Serial);
        Assert.Equal(result.EscrowFingerprint, result.AuditDetail["escrow-certificate"]);
        Assert.Equal("1", result.AuditDetail["recipients-without-certificate"]);
    }

    [Fact]
    public async Task EncryptAsync_AuditDetail_HasFingerprintsNotAddresses()
    {
        var (result, _, _) = await EncryptAsync([SmimeFixture.Alice]);

        var detail = string.Join(' ', result.AuditDetail.Values);
        Assert.Contains(CertificateFingerprint.Sha256(_fixture.AliceCertificate), detail, StringComparison.Ordinal);
        Assert.DoesNotContain("@", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptAsync_SignRequestedAndHsmUnavailable_RetryableErrorAndNoOutput()
    {
        var harness = _fixture.CreateHarness();
        harness.Keys.Unavailable = true;
        var message = SmimeFixture.CanaryMessage(Canary(), SmimeFixture.Alice);
        var request = new SmimeEncryptionRequest(message, [SmimeFixture.Alice], SmimeFixture.Use) { Sign = true };

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Services.Encryptor.EncryptAsync(request, default));

        Assert.True(error.IsRetryable);
        Assert.IsNotType<ApplicationPkcs7Mime>(message.Body);
    }

    [Fact]
    public async Task EncryptAsync_InvalidRecipientAddress_Throws()
    {
        var harness = _fixture.CreateHarness();
        var request = new SmimeEncryptionRequest(SmimeFixture.CanaryMessage(Canary()), ["../etc/passwd"], SmimeFixture.Use);

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Services.Encryptor.EncryptAsync(request, default));
    }
}
