using System.Diagnostics;
using System.Text;
using MimeKit;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Listener;

/// <summary>MailKit and swaks → relay → sink, with the pass-through transformer.</summary>
public sealed class RelayEndToEndTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Send_PassThrough_UpstreamReceivesExactBytesAndEnvelope()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        var messageId = $"<{Guid.NewGuid():N}@client.test>";
        var original = Encoding.UTF8.GetBytes(
            "From: Sender <sender@example.org>\r\nTo: a@example.net, b@example.net\r\nSubject: =?utf-8?q?byte_exact?=\r\n"
            + $"Message-ID: {messageId}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
            + "X-Folded: first\r\n\tsecond\r\n\r\n"
            + "Byte-exact body.\r\n.leading dot line\r\n..two dots\r\nÜmlaut 8-bit\r\n\r\n  trailing spaces  \r\n");
        var wire = Encoding.UTF8.GetString(original).Replace("\r\n.", "\r\n..", StringComparison.Ordinal); // dot stuffing

        await using (var raw = await RawSmtpConnection.ConnectAsync(relay.Port))
        {
            Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
            Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org> BODY=8BITMIME"));
            Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<a@example.net>"));
            Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<b@example.net>"));
            Assert.StartsWith("354", await raw.CommandAsync("DATA"));
            await raw.SendAsync(Encoding.UTF8.GetBytes(wire));
            Assert.StartsWith("250 2.0.0", await raw.CommandAsync("."));
        }

        var received = await sink.WaitForMessageAsync(m => m.Text.Contains(messageId, StringComparison.Ordinal), Wait);
        Assert.Equal("sender@example.org", received.Sender);
        Assert.Equal(["a@example.net", "b@example.net"], received.Recipients);
        Assert.Equal(original, received.Data);
    }

    [Fact]
    public async Task Send_MailKitClient_UpstreamReceivesWhatTheClientSent()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        var message = TestMessages.Simple(body: "Sent with MailKit.\r\n");

        using (var client = await relay.ConnectClientAsync())
        {
            await client.SendAsync(message, MailboxAddress.Parse("sender@example.org"), [MailboxAddress.Parse("a@example.net")]);
            await client.DisconnectAsync(true);
        }

        var received = await sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        Assert.Equal(["a@example.net"], received.Recipients);
        Assert.Contains("Sent with MailKit.", received.Text);
    }

    [Fact]
    public async Task Send_Accepted_ReplyCarriesQueueIdAndSpoolHoldsMessageBeforeDelivery()
    {
        await using var sink = new SmtpSink { DropConnections = true }; // nothing leaves the spool
        await using var relay = await RelayHost.StartAsync(sink);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<rcpt@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        var reply = await raw.CommandAsync(TestMessages.Raw("spooled", "body\r\n") + ".");

        Assert.StartsWith("250 2.0.0 Ok: queued as ", reply);
        var queueId = reply["250 2.0.0 Ok: queued as ".Length..];
        // The 250 came after the fsync'd rename: the file is there the moment the reply is.
        Assert.True(File.Exists(Path.Combine(relay.SpoolDirectory, "queue", queueId + ".msg")));
        Assert.Empty(Directory.GetFiles(Path.Combine(relay.SpoolDirectory, "tmp")));
    }

    [Fact]
    public async Task Ehlo_PlainAndTls_AdvertisesExtensionsAndAuthOnlyAfterStartTls()
    {
        using var temp = new TempDirectory();
        using var certificate = TestCertificate.Create(temp.Path);
        var credentials = temp.Combine("users");
        await File.WriteAllTextAsync(credentials, "alice:" + Sovereignty.Proxy.Smtp.Auth.PasswordHash.Create("wonderland", 1000) + "\n");
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s =>
        {
            s["Sovereignty:Smtp:Tls:CertificatePath"] = certificate.PfxPath;
            s["Sovereignty:Smtp:Auth:CredentialsFile"] = credentials;
            s["Sovereignty:Smtp:Limits:MaxMessageSize"] = "1048576";
        });
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);

        var plain = await raw.CommandAsync("EHLO client.test");
        Assert.Contains("250-SIZE 1048576", plain);
        Assert.Contains("PIPELINING", plain);
        Assert.Contains("8BITMIME", plain);
        Assert.Contains("ENHANCEDSTATUSCODES", plain);
        Assert.Contains("STARTTLS", plain);
        Assert.DoesNotContain("AUTH", plain);

        Assert.StartsWith("220", await raw.CommandAsync("STARTTLS"));
        await raw.StartTlsHandshakeAsync(certificate);
        var secured = await raw.CommandAsync("EHLO client.test");
        Assert.Contains("AUTH PLAIN LOGIN", secured);
        Assert.DoesNotContain("STARTTLS", secured);
    }

    [Fact]
    public async Task Swaks_SendsThroughRelay_UpstreamReceivesIt()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        var start = new ProcessStartInfo("swaks")
        {
            ArgumentList = { "--server", "127.0.0.1", "--port", relay.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--from", "sender@example.org", "--to", "swaks-rcpt@example.net", "--header", "Subject: from swaks", "--body", "swaks body", "--pipeline" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var swaks = Process.Start(start)!;
        var output = await swaks.StandardOutput.ReadToEndAsync();
        await swaks.WaitForExitAsync();

        Assert.True(swaks.ExitCode == 0, output);
        Assert.Contains("250 2.0.0 Ok: queued as", output);
        var received = await sink.WaitForMessageAsync(m => m.Recipients.Contains("swaks-rcpt@example.net"), Wait);
        Assert.Contains("Subject: from swaks", received.Text);
        Assert.Contains("swaks body", received.Text);
    }
}
