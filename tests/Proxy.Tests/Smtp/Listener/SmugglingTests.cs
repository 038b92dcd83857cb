using System.Text;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Listener;

/// <summary>
/// SMTP smuggling (CVE-2023-51764 class) and STARTTLS command injection (CVE-2011-0411
/// class) against the real listener: refused with 5xx, nothing spooled, nothing relayed.
/// </summary>
public sealed class SmugglingTests
{
    public static TheoryData<string, string> SmugglingEndings => new()
    {
        { "LF.CRLF", "\n.\r\n" },
        { "CR.LF", "\r.\n" },
        { "LF.LF", "\n.\n" },
        { "CRLF.LF", "\r\n.\n" },
        { "CR.CRLF", "\r.\r\n" },
        { "bare LF in body", "\nplain line\r\n" },
        { "bare CR in body", "\rplain line\r\n" },
    };

    [Theory]
    [MemberData(nameof(SmugglingEndings))]
    public async Task Data_SmugglingSequence_RefusedWith554AndNeverRelayed(string name, string sequence)
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<attacker@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<victim@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));

        // The smuggled transaction a lenient server would see as a second message.
        var smuggled = "Subject: first\r\n\r\nfirst body" + sequence
            + "MAIL FROM:<ceo@example.net>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\nSubject: smuggled-" + name + "\r\n\r\nforged\r\n";
        await raw.SendAsync(Encoding.Latin1.GetBytes(smuggled));
        var reply = await raw.CommandAsync(".");

        Assert.StartsWith("554 5.6.0", reply);
        // The session stays in step: the smuggled commands were data, not commands.
        Assert.StartsWith("250", await raw.CommandAsync("NOOP"));
        Assert.StartsWith("503", await raw.CommandAsync("RCPT TO:<victim@example.net>"));
        Assert.Empty(relay.SpoolFiles());
        await Task.Delay(300);
        Assert.Empty(sink.Messages);
        Assert.Contains(relay.Logs.Entries, e => e.Id.Id == 6110);
    }

    [Fact]
    public async Task Data_CleanMessageAfterRefusedOne_IsAcceptedAndOnlyItIsRelayed()
    {
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<b@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        await raw.SendAsync("Subject: bad\r\n\r\nx\n.\r\ny\r\n");
        Assert.StartsWith("554", await raw.CommandAsync("."));

        Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<a@example.org>"));
        Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<b@example.net>"));
        Assert.StartsWith("354", await raw.CommandAsync("DATA"));
        await raw.SendAsync("Subject: good\r\n\r\nclean\r\n");
        Assert.StartsWith("250", await raw.CommandAsync("."));

        var received = await sink.WaitForMessageAsync(m => m.Text.Contains("Subject: good", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("bad", received.Text);
        await Task.Delay(300);
        Assert.Single(sink.Messages);
    }

    [Fact]
    public async Task StartTls_CommandsPipelinedInPlaintext_AreDiscarded()
    {
        using var temp = new TempDirectory();
        using var certificate = TestCertificate.Create(temp.Path);
        await using var sink = new SmtpSink();
        await using var relay = await RelayHost.StartAsync(sink, s => s["Sovereignty:Smtp:Tls:CertificatePath"] = certificate.PfxPath);
        await using var raw = await RawSmtpConnection.ConnectAsync(relay.Port);
        Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));

        // A man in the middle appends commands to the plaintext STARTTLS packet.
        await raw.SendAsync("STARTTLS\r\nEHLO injected.test\r\nMAIL FROM:<injected@example.org>\r\n");
        Assert.StartsWith("220", await raw.ReadReplyAsync());
        await raw.StartTlsHandshakeAsync(certificate);

        // Had the injected MAIL run, RCPT would be accepted; and no stray replies may arrive.
        var reply = await raw.CommandAsync("RCPT TO:<rcpt@example.net>");
        Assert.StartsWith("503", reply);
        Assert.StartsWith("250", await raw.CommandAsync("NOOP"));
        Assert.Contains(relay.Logs.Entries, e => e.Id.Id == 6105);
    }
}
