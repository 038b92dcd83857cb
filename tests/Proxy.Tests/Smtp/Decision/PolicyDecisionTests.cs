using System.Security.Cryptography;
using System.Text;
using MailKit.Net.Smtp;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime.Certificates;
using Sovereignty.KeyService.Smime.Decryption;
using Sovereignty.KeyService.Tests.Smime;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>
/// Each policy action end to end through <c>serve</c>: MailKit, swaks or raw SMTP → relay →
/// the upstream SMTP server; what the upstream received is checked with openssl, NSS and the
/// escrow key in the HSM, and the audit log is read back from Redis.
/// </summary>
public sealed class PolicyDecisionTests : IClassFixture<MailGatewayFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly MailGatewayFixture _gateway;

    public PolicyDecisionTests(MailGatewayFixture gateway) => _gateway = gateway;

    [Fact]
    public async Task Send_PassDomain_UpstreamReceivesExactBytes()
    {
        var messageId = $"<{Guid.NewGuid():N}@client.test>";
        var original = Encoding.ASCII.GetBytes(
            $"From: <{MailGatewayFixture.Sender}>\r\nTo: <x@{TestMailPolicy.PassDomain}>\r\nSubject: pass\r\nMessage-ID: {messageId}\r\n\r\nunchanged  body\r\n");

        var reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, original, MailGatewayFixture.Sender, $"x@{TestMailPolicy.PassDomain}");

        Assert.True(reply.StartsWith("250 2.0.0", StringComparison.Ordinal), reply + "\n" + _gateway.Logs.AllText);
        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(messageId, StringComparison.Ordinal), Wait);
        Assert.Equal(original, received.Data);
        Assert.Empty(await _gateway.AuditAsync(messageId));
    }

    [Fact]
    public async Task Send_PassDomain_CanariesArriveInClear()
    {
        // The control of the leak tests: the canary message, relayed in clear, shows every canary.
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "", $"x@{TestMailPolicy.PassDomain}");

        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, $"x@{TestMailPolicy.PassDomain}"));

        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        Assert.All(MailSubmission.Canaries(canary), c => Assert.Contains(c, received.Text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Send_SignDomain_OpensslVerifiesSignatureAndSignEventRecordsMessage()
    {
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "", MailGatewayFixture.Sam);
        using (var client = new SmtpClient { LocalDomain = "client.test" })
        {
            await client.ConnectAsync("127.0.0.1", _gateway.SmtpPort, MailKit.Security.SecureSocketOptions.None);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        using var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.IsType<MultipartSigned>(parsed.Body);
        var file = WriteTemp(received.Data);
        var verified = await ExternalTool.RunOkAsync("openssl", "cms", "-verify", "-in", file, "-CAfile", _gateway.Pki.CaFile);
        Assert.Contains($"{canary}-BODY", verified, StringComparison.Ordinal);

        var sign = Assert.Single(await _gateway.AuditAsync("<" + message.MessageId + ">"));
        Assert.Equal((KeyOperation.Sign, "smime-signing", KeyEventResult.Ok), (sign.Operation, sign.KeyClass, sign.Result));
        Assert.Equal("vers-domaine-signe", sign.Purpose);
        Assert.False(string.IsNullOrEmpty(sign.PolicyVersion));
        Assert.Equal(("127.0.0.1", "127.0.0.1", "client.test"), (sign.Actor, sign.ClientAddress, sign.ClientSoftware));
        Assert.Equal(1, sign.RecipientCount);
        Assert.Equal([Hash(MailGatewayFixture.Sam)], sign.RecipientHashes);
        Assert.Equal(("signe", "sign"), (sign.Detail["label"], sign.Detail["action"]));
        Assert.DoesNotContain(MailGatewayFixture.Sam, AllText(sign), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Send_EncryptDomain_NoCanaryUpstreamAndRecipientDecryptsWithOpensslAndNss()
    {
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "", MailGatewayFixture.Alice);

        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Alice));

        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        Assert.All(MailSubmission.Canaries(canary), c => Assert.DoesNotContain(c, received.Text, StringComparison.Ordinal));
        using var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        Assert.Equal(TestMailPolicy.Placeholder, parsed.Subject);
        Assert.IsType<ApplicationPkcs7Mime>(parsed.Body);

        var file = WriteTemp(received.Data);
        var key = _gateway.Pki.WriteKey(Guid.NewGuid() + ".key", _gateway.AliceCertificate);
        var certificate = _gateway.Pki.WritePem(Guid.NewGuid() + ".pem", _gateway.AliceCertificate);
        var opensslPlain = await ExternalTool.RunOkAsync("openssl", "cms", "-decrypt", "-in", file, "-recip", certificate, "-inkey", key);
        Assert.All(MailSubmission.Canaries(canary), c => Assert.Contains(c, opensslPlain, StringComparison.Ordinal));

        var nssPlain = await NssDecryptAsync(parsed, _gateway.AliceCertificate);
        Assert.All(MailSubmission.Canaries(canary), c => Assert.Contains(c, nssPlain, StringComparison.Ordinal));

        var events = await _gateway.AuditAsync("<" + message.MessageId + ">");
        var wrap = Assert.Single(events);
        Assert.Equal((KeyOperation.WrapDataKey, "smime-escrow", KeyEventResult.Ok), (wrap.Operation, wrap.KeyClass, wrap.Result));
        Assert.False(string.IsNullOrEmpty(wrap.KeyId));
        Assert.Equal(CertificateFingerprint.Sha256(_gateway.AliceCertificate), wrap.Detail["recipient-certificates"]);
        Assert.Equal([Hash(MailGatewayFixture.Alice)], wrap.RecipientHashes);
        Assert.Equal("vers-domaine-chiffre", wrap.Purpose);
        Assert.DoesNotContain(MailGatewayFixture.Alice, AllText(wrap), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Send_EncryptDomain_EscrowKeyInHsmDecryptsAndRestoresSubject()
    {
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "", MailGatewayFixture.Alice);
        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Alice));
        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);

        var escrow = _gateway.App.Services.GetRequiredService<ISmimeEscrowDecryptor>();
        using var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        var decrypted = await escrow.DecryptAsync(parsed, KeyUse.Cli("ediscovery-test"), CancellationToken.None);

        Assert.Equal($"Contrat {canary}-SUBJECT", decrypted.Subject);
        var text = TestMessages.Text(decrypted);
        Assert.Contains($"{canary}-BODY", text, StringComparison.Ordinal);
        Assert.Contains($"{canary}-ATTACHMENT", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_SignEncryptDomainWithSwaks_CiphertextOnlyAndInnerSignatureVerifies()
    {
        var canary = MailSubmission.NewCanary();
        var start = new System.Diagnostics.ProcessStartInfo("swaks")
        {
            ArgumentList =
            {
                "--server", "127.0.0.1", "--port", MailGatewayFixture.Port(_gateway.SmtpPort),
                "--from", MailGatewayFixture.Sender, "--to", MailGatewayFixture.Bob,
                "--header", $"Subject: Contrat {canary}-SUBJECT", "--body", $"le texte {canary}-BODY",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var swaks = System.Diagnostics.Process.Start(start)!)
        {
            var output = await swaks.StandardOutput.ReadToEndAsync();
            await swaks.WaitForExitAsync();
            Assert.True(swaks.ExitCode == 0, output);
            Assert.Contains("250 2.0.0 Ok: queued as", output, StringComparison.Ordinal);
        }

        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Recipients.Contains(MailGatewayFixture.Bob) && m.Text.Contains("pkcs7-mime", StringComparison.Ordinal)
            && !_seen.Contains(m), Wait);
        _seen.Add(received);
        Assert.DoesNotContain($"{canary}-SUBJECT", received.Text, StringComparison.Ordinal);
        Assert.DoesNotContain($"{canary}-BODY", received.Text, StringComparison.Ordinal);

        var file = WriteTemp(received.Data);
        var key = _gateway.Pki.WriteKey(Guid.NewGuid() + ".key", _gateway.BobCertificate);
        var certificate = _gateway.Pki.WritePem(Guid.NewGuid() + ".pem", _gateway.BobCertificate);
        var inner = Path.Combine(_gateway.Pki.Directory, Guid.NewGuid() + ".eml");
        await ExternalTool.RunOkAsync("openssl", "cms", "-decrypt", "-in", file, "-recip", certificate, "-inkey", key, "-out", inner);
        var verified = await ExternalTool.RunOkAsync("openssl", "cms", "-verify", "-in", inner, "-CAfile", _gateway.Pki.CaFile);
        Assert.Contains($"{canary}-BODY", verified, StringComparison.Ordinal);
        Assert.Contains($"Subject: Contrat {canary}-SUBJECT", verified, StringComparison.Ordinal);

        using var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        var events = await _gateway.AuditAsync("<" + parsed.MessageId + ">");
        Assert.Equal([KeyOperation.WrapDataKey, KeyOperation.Sign], events.Select(e => e.Operation).Order());
        Assert.All(events, e => Assert.Equal(("vers-domaine-signe-chiffre", 1), (e.Purpose, e.RecipientCount)));
        Assert.Single(events.Select(e => e.CorrelationId).Distinct());
    }

    private readonly HashSet<SinkMessage> _seen = [];

    [Fact]
    public async Task Send_BlockTag_550WithRuleReasonAndNothingRelayed()
    {
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "[BLOCK] ", MailGatewayFixture.Alice);

        var reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Alice);

        Assert.StartsWith("550 5.7.1 ", reply);
        Assert.Contains($"(rule {TestMailPolicy.BlockRule})", reply, StringComparison.Ordinal);
        Assert.Contains("est marque \" interdit \" : il ne peut pas quitter l'organisation.", reply, StringComparison.Ordinal);
        Assert.Contains("Contact: " + TestMailPolicy.Contact, reply, StringComparison.Ordinal);
        Assert.Single(reply.Split('\n'));
        Assert.All(reply, c => Assert.InRange(c, ' ', '~'));
        var denied = Assert.Single(await _gateway.AuditAsync("<" + message.MessageId + ">"));
        Assert.Equal((KeyEventResult.Denied, "MailBlocked", TestMailPolicy.BlockRule), (denied.Result, denied.ErrorCode, denied.Purpose));
        await AssertNeverRelayedAsync(message.MessageId!);
    }

    [Theory]
    [InlineData(MailGatewayFixture.Dave, "certificate expired")]
    [InlineData("erin@encrypt.example", "no certificate")]
    [InlineData(MailGatewayFixture.Rita, "certificate revoked")]
    public async Task Send_RecipientWithoutUsableCertificateAndRefuse_550NamesRecipientAndWhy(string recipient, string why)
    {
        var message = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", recipient);

        var reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, recipient);

        Assert.StartsWith("550 5.7.1 ", reply);
        Assert.Contains($"{recipient} ({why})", reply, StringComparison.Ordinal);
        var denied = Assert.Single(await _gateway.AuditAsync("<" + message.MessageId + ">"));
        Assert.Equal((KeyEventResult.Denied, "RecipientCertificateUnusable"), (denied.Result, denied.ErrorCode));
        await AssertNeverRelayedAsync(message.MessageId!);
    }

    [Fact]
    public async Task Send_OneRecipientWithoutCertificateAmongOthers_WholeMessageRefusedNamingOnlyThatRecipient()
    {
        var message = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Alice, MailGatewayFixture.Dave);

        var reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Alice, MailGatewayFixture.Dave);

        Assert.StartsWith("550 5.7.1 ", reply);
        Assert.Contains(MailGatewayFixture.Dave, reply, StringComparison.Ordinal);
        Assert.DoesNotContain(MailGatewayFixture.Alice, reply, StringComparison.Ordinal);
        await AssertNeverRelayedAsync(message.MessageId!);
    }

    [Fact]
    public async Task Send_EscrowOnlyDomainWithoutCertificate_EncryptedToEscrowAlone()
    {
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "", MailGatewayFixture.Carol);

        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Carol));

        var received = await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        Assert.All(MailSubmission.Canaries(canary), c => Assert.DoesNotContain(c, received.Text, StringComparison.Ordinal));
        using var parsed = MimeMessage.Load(new MemoryStream(received.Data));
        var enveloped = new Org.BouncyCastle.Cms.CmsEnvelopedData(Pkcs7Bytes(parsed));
        Assert.Equal(1, enveloped.GetRecipientInfos().Count);
        var decrypted = await _gateway.App.Services.GetRequiredService<ISmimeEscrowDecryptor>()
            .DecryptAsync(parsed, KeyUse.Cli("escrow-only-test"), CancellationToken.None);
        Assert.Contains($"{canary}-BODY", TestMessages.Text(decrypted), StringComparison.Ordinal);
        var wrap = Assert.Single(await _gateway.AuditAsync("<" + message.MessageId + ">"), e => e.Operation == KeyOperation.WrapDataKey);
        Assert.Equal(("1", ""), (wrap.Detail["recipients-without-certificate"], wrap.Detail["recipient-certificates"]));
    }

    private async Task AssertNeverRelayedAsync(string messageId)
    {
        // Refused before the spool: nothing queued, and the upstream never sees it.
        Assert.DoesNotContain(Directory.Exists(Path.Combine(_gateway.SpoolDirectory, "queue"))
            ? Directory.GetFiles(Path.Combine(_gateway.SpoolDirectory, "queue")).Select(File.ReadAllText)
            : [], text => text.Contains(messageId, StringComparison.Ordinal));
        await Task.Delay(500);
        Assert.DoesNotContain(_gateway.Sink.Messages, m => m.Text.Contains(messageId, StringComparison.Ordinal));
    }

    private async Task<string> NssDecryptAsync(MimeMessage encrypted, System.Security.Cryptography.X509Certificates.X509Certificate2 recipient)
    {
        var db = Path.Combine(_gateway.Pki.Directory, "nss-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(db);
        var p12 = Path.Combine(_gateway.Pki.Directory, Guid.NewGuid() + ".p12");
        await File.WriteAllBytesAsync(p12, recipient.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pkcs12, "test-pass"));
        await ExternalTool.RunOkAsync("certutil", "-N", "-d", "sql:" + db, "--empty-password");
        await ExternalTool.RunOkAsync("pk12util", "-i", p12, "-d", "sql:" + db, "-W", "test-pass", "-K", "");
        var p7m = WriteTemp(Pkcs7Bytes(encrypted));
        return await ExternalTool.RunOkAsync("cmsutil", "-D", "-i", p7m, "-d", "sql:" + db);
    }

    private static byte[] Pkcs7Bytes(MimeMessage message)
    {
        var part = Assert.IsType<ApplicationPkcs7Mime>(message.Body);
        using var memory = new MemoryStream();
        part.Content!.DecodeTo(memory);
        return memory.ToArray();
    }

    private string WriteTemp(byte[] data)
    {
        var path = Path.Combine(_gateway.Pki.Directory, Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(path, data);
        return path;
    }

    private static string Hash(string address) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address)));

    private static string AllText(AuditRecord record) =>
        string.Join('|', record.Actor, record.ObjectId, record.Purpose, record.ClientSoftware, string.Join(',', record.Detail.Select(d => d.Key + "=" + d.Value)));
}
