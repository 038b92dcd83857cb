using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Cli;

/// <summary><c>sovereignty smime decrypt</c> end to end: the built program, the escrow key in a SoftHSM token.</summary>
public sealed class SmimeCommandsTests : IClassFixture<SoftHsmToken>
{
    private readonly SoftHsmToken _token;

    public SmimeCommandsTests(SoftHsmToken token) => _token = token;

    /// <summary>An escrow key pair in the token, its certificate, and the CLI configured for both.</summary>
    private async Task<(SovereigntyProcess Cli, X509Certificate2 Escrow, string Directory)> SetUpAsync()
    {
        var label = "escrow-" + Guid.NewGuid().ToString("N")[..8];
        RsaPublicKey publicKey;
        await using (var provider = new Pkcs11KeyProvider(_token.ProviderOptions("hsm-test")))
        {
            var info = await provider.CreateRsaKeyPairAsync(label, 2048, default);
            publicKey = new RsaPublicKey(info.SubjectPublicKeyInfo);
        }

        var cli = new SovereigntyProcess(_token, _token.PinFile);
        var directory = Path.GetDirectoryName(cli.ConfigPath)!;
        var escrow = IssueEscrowCertificate(publicKey.SubjectPublicKeyInfo);
        var escrowFile = Path.Combine(directory, "escrow.pem");
        await File.WriteAllTextAsync(escrowFile, escrow.ExportCertificatePem());
        var sovereignty = (Dictionary<string, object>)cli.Settings["Sovereignty"];
        var hsm = (Dictionary<string, object>)sovereignty["Hsm"];
        hsm["KeyPairs"] = new[] { new { Name = "smime-escrow", Provider = "hsm-test", KeyLabel = label, ModulusBits = 2048, Residency = "fr" } };
        sovereignty["Smime"] = new { EscrowCertificatePath = escrowFile };
        await File.WriteAllTextAsync(cli.ConfigPath, JsonSerializer.Serialize(cli.Settings));
        return (cli, escrow, directory);
    }

    private static X509Certificate2 IssueEscrowCertificate(byte[] subjectPublicKeyInfo)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=CLI Test Root", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var request = new CertificateRequest(
            new X500DistinguishedName("CN=escrow@org.example"),
            PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _),
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyEncipherment, true));
        return request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(10), [7]);
    }

    private static async Task<string> WriteEncryptedAsync(X509Certificate2 escrow, string directory, RsaEncryptionPadding padding)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("jdupont@org.example"));
        message.To.Add(MailboxAddress.Parse("alice@partner.example"));
        message.Subject = "[encrypted]";
        var payload = new TextPart("plain") { Text = "IBAN CLI-CANARY-BODY\n" };
        payload.Headers.Add("Subject", "CLI-CANARY-SUBJECT");
        payload.ContentType.Parameters["hp"] = "cipher";
        var recipients = new CmsRecipientCollection
        {
            new(escrow, SubjectIdentifierType.IssuerAndSerialNumber) { EncryptionAlgorithms = [EncryptionAlgorithm.Aes256], RsaEncryptionPadding = padding },
        };
        using (var context = new TemporarySecureMimeContext())
        {
            message.Body = await ApplicationPkcs7Mime.EncryptAsync(context, recipients, payload);
        }

        var path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".eml");
        await message.WriteToAsync(path);
        return path;
    }

    [Fact]
    public async Task SmimeDecrypt_EscrowedMessage_WritesPlaintextAndRecordsOneDecryptKeyEvent()
    {
        var (cli, escrow, directory) = await SetUpAsync();
        using var _ = cli;
        var input = await WriteEncryptedAsync(escrow, directory, RsaEncryptionPadding.OaepSha256);
        var output = Path.Combine(directory, "decrypted.eml");

        var run = await cli.RunAsync("smime", "decrypt", input, output);

        Assert.True(run.ExitCode == 0, run.Error);
        var decrypted = await File.ReadAllTextAsync(output);
        Assert.Contains("CLI-CANARY-BODY", decrypted, StringComparison.Ordinal);
        Assert.Contains("Subject: CLI-CANARY-SUBJECT", decrypted, StringComparison.Ordinal);
        var keyEvent = Assert.Single(cli.Events());
        Assert.Equal("DecryptKey", keyEvent.GetProperty("operation").GetString());
        Assert.Equal("smime-escrow", keyEvent.GetProperty("keyClass").GetString());
    }

    [Fact]
    public async Task SmimeDecrypt_OutputExists_ExitOneAndNoKeyUse()
    {
        var (cli, escrow, directory) = await SetUpAsync();
        using var _ = cli;
        var input = await WriteEncryptedAsync(escrow, directory, RsaEncryptionPadding.Pkcs1);
        var output = Path.Combine(directory, "exists.eml");
        await File.WriteAllTextAsync(output, "keep me");

        var run = await cli.RunAsync("smime", "decrypt", input, output);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("already exists; nothing was decrypted", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Equal("keep me", await File.ReadAllTextAsync(output));
        Assert.Empty(cli.Events());
    }

    [Fact]
    public async Task SmimeDecrypt_NotEncrypted_OneLineErrorExitOne()
    {
        var (cli, _, directory) = await SetUpAsync();
        using var __ = cli;
        var input = Path.Combine(directory, "plain.eml");
        await File.WriteAllTextAsync(input, "From: a@b.example\r\nSubject: plain\r\n\r\nhello\r\n");

        var run = await cli.RunAsync("smime", "decrypt", input, Path.Combine(directory, "out.eml"));

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("sovereignty smime decrypt: The message is not S/MIME encrypted", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(directory, "out.eml")));
        Assert.Empty(cli.Events());
    }

    private sealed record RsaPublicKey(byte[] SubjectPublicKeyInfo);
}
