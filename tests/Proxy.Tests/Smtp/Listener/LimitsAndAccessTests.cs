using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Sovereignty.Proxy.Smtp.Auth;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Listener;

/// <summary>Who may relay, AUTH over TLS only, and the listener's limits, against the real listener.</summary>
public sealed class LimitsAndAccessTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task Mail_ClientOutsideAllowedNetworks_RelayDenied()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:AllowedClientNetworks:0"] = "10.0.0.0/8");
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));

        Assert.StartsWith("550 5.7.1", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.Contains(relay.Logs.Entries, e => e.Id.Id == 6108);
    }

    [Fact]
    public async Task Auth_BeforeStartTls_RefusedWith538()
    {
        using var temp = new TempDirectory();
        using var certificate = TestCertificate.Create(temp.Path);
        await using var sink = new SmtpSink();
        await using var relay = await StartWithAuthAsync(sink, temp, certificate);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));

        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + Password));
        Assert.StartsWith("538 5.7.11", await raw.CommandAsync("AUTH PLAIN " + plain));
        Assert.StartsWith("550 5.7.1", await raw.CommandAsync("MAIL FROM:<alice@example.org>"));
    }

    [Fact]
    public async Task Auth_OverTlsWithPemCertificate_AllowsRelayFromOutsideNetworks()
    {
        using var temp = new TempDirectory();
        using var certificate = TestCertificate.Create(temp.Path);
        await using var sink = new SmtpSink();
        await using var relay = await StartWithAuthAsync(sink, temp, certificate, pem: true);
        var message = TestMessages.Simple(subject: "authenticated");

        using (var client = await relay.ConnectClientAsync(certificate))
        {
            Assert.True(client.IsSecure);
            await client.AuthenticateAsync("alice", Password);
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var received = await sink.WaitForMessageAsync(m => m.Text.Contains("Subject: authenticated", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(["rcpt@example.net"], received.Recipients);
        Assert.DoesNotContain(Password, relay.Logs.AllText);
        Assert.Contains(relay.Logs.Entries, e => e.Id.Id == 6106);
    }

    [Fact]
    public async Task Auth_WrongPassword_535AndStillDenied()
    {
        using var temp = new TempDirectory();
        using var certificate = TestCertificate.Create(temp.Path);
        await using var sink = new SmtpSink();
        await using var relay = await StartWithAuthAsync(sink, temp, certificate);
        using var client = await relay.ConnectClientAsync(certificate);

        var error = await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong password"));
        Assert.Contains("invalid", error.Message, StringComparison.OrdinalIgnoreCase);
        var denied = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(TestMessages.Simple()));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, denied.StatusCode);
        Assert.DoesNotContain("wrong password", relay.Logs.AllText);
    }

    [Fact]
    public async Task Mail_DeclaredSizeOverLimit_552()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s =>
        {
            s["Sovereignty:Smtp:Limits:MaxMessageSize"] = "10000";
            s["Sovereignty:Smtp:Limits:MaxHeaderSize"] = "4096";
        });
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));

        Assert.StartsWith("552 5.3.4", await raw.CommandAsync("MAIL FROM:<sender@example.org> SIZE=10001"));
    }

    [Fact]
    public async Task Data_ActualSizeOverLimit_552AndNotSpooled()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s =>
        {
            s["Sovereignty:Smtp:Limits:MaxMessageSize"] = "10000";
            s["Sovereignty:Smtp:Limits:MaxHeaderSize"] = "4096";
        });
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<rcpt@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        var line = new string('x', 500) + "\r\n";
        await raw.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 30)));

        Assert.StartsWith("552 5.3.4", await raw.CommandAsync("."));
        Assert.Empty(relay.SpoolFiles());
    }

    [Fact]
    public async Task Rcpt_MoreThanLimit_452WithEnhanced453()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Limits:MaxRecipients"] = "2");
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<r1@example.net>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<r2@example.net>"));

        Assert.StartsWith("452 4.5.3", await raw.CommandAsync("RCPT TO:<r3@example.net>"));
    }

    [Fact]
    public async Task Data_LineLongerThanLimit_RefusedAndNotSpooled()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<rcpt@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        await raw.SendAsync("Subject: long\r\n\r\n" + new string('y', 999) + "\r\n");

        Assert.StartsWith("500 5.5.2", await raw.CommandAsync("."));
        Assert.Empty(relay.SpoolFiles());
    }

    [Fact]
    public async Task Command_LongerThanLimit_500AndConnectionClosed()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);

        var reply = await raw.CommandAsync("EHLO " + new string('h', 2000));
        Assert.StartsWith("500 5.5.2", reply);
        Assert.Equal("<closed>", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task Data_HeaderSectionOverLimit_552()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Limits:MaxHeaderSize"] = "2048");
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<rcpt@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        await raw.SendAsync(string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Filler-{i}: {new string('f', 80)}\r\n")) + "\r\nbody\r\n");

        Assert.StartsWith("552 5.3.4", await raw.CommandAsync("."));
    }

    [Fact]
    public async Task Data_MimeNestedDeeperThanLimit_554()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Limits:MaxMimeDepth"] = "3");
        var body = new StringBuilder("Subject: nested\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n");
        for (var i = 0; i < 5; i++)
        {
            body.Append($"--b{i}\r\nContent-Type: multipart/mixed; boundary=\"b{i + 1}\"\r\n\r\n");
        }

        body.Append("--b5\r\nContent-Type: text/plain\r\n\r\ndeep\r\n");
        for (var i = 5; i >= 0; i--)
        {
            body.Append($"--b{i}--\r\n");
        }

        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<sender@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<rcpt@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        await raw.SendAsync(body.ToString());

        Assert.StartsWith("554 5.6.0", await raw.CommandAsync("."));
        Assert.Empty(relay.SpoolFiles());
    }

    [Fact]
    public async Task Session_IdleLongerThanTimeout_421AndClosed()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Limits:IdleTimeout"] = "00:00:01");
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);

        var reply = await raw.ReadReplyAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("421 4.4.2", reply);
        Assert.Equal("<closed>", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task Session_TooManyErrors_421AndClosed()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Limits:MaxErrors"] = "2");
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);

        Assert.StartsWith("500", await raw.CommandAsync("BOGUS"));
        Assert.StartsWith("500", await raw.CommandAsync("BOGUS"));
        Assert.StartsWith("500", await raw.CommandAsync("BOGUS"));
        Assert.StartsWith("421 4.7.0", await raw.ReadReplyAsync());
        Assert.Equal("<closed>", await raw.ReadReplyAsync());
    }

    private static async Task<RelayHost> StartWithAuthAsync(SmtpSink sink, TempDirectory temp, TestCertificate certificate, bool pem = false)
    {
        var credentials = temp.Combine("submitters");
        await File.WriteAllTextAsync(credentials, "# test submitters\nalice:" + PasswordHash.Create(Password, 1000) + "\n");
        return await RelayHost.StartAsync(sink, s =>
        {
            s["Sovereignty:Smtp:AllowedClientNetworks:0"] = "192.0.2.0/24"; // not the loopback client
            s["Sovereignty:Smtp:Tls:CertificatePath"] = pem ? certificate.CertificatePemPath : certificate.PfxPath;
            if (pem)
            {
                s["Sovereignty:Smtp:Tls:KeyPath"] = certificate.KeyPemPath;
            }

            s["Sovereignty:Smtp:Auth:CredentialsFile"] = credentials;
        });
    }
}
