using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Delivery;

/// <summary>The delivery worker against a real upstream that fails on demand; time is a FakeTimeProvider where backoff and lifetime matter.</summary>
public sealed class DeliveryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Deliver_UpstreamDownThenTemporaryFailures_RetriesWithBackoffThenDsnAfterLifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var sink = new SmtpSink { DropConnections = true };
        await using var relay = await RelayHost.StartAsync(
            sink,
            s =>
            {
                s["Sovereignty:Smtp:MessageLifetime"] = "01:00:00";
                s["Sovereignty:Smtp:Delivery:InitialRetryDelay"] = "00:01:00";
                s["Sovereignty:Smtp:Delivery:MaxRetryDelay"] = "00:10:00";
                s["Sovereignty:Smtp:Delivery:ScanInterval"] = "00:00:05";
            },
            time);
        var spool = relay.Services.GetRequiredService<SpoolStore>();
        var message = TestMessages.Simple(subject: "never arrives", to: "rcpt@down.test");
        using (var client = await relay.ConnectClientAsync())
        {
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var id = Assert.Single(spool.ListIds());
        var first = await WaitForAttemptsAsync(spool, id, 1);
        AssertDelay(first.State.NextAttemptAt - time.GetUtcNow(), TimeSpan.FromMinutes(1));
        Assert.StartsWith("connection:", first.State.LastError);

        time.Advance(TimeSpan.FromSeconds(75));
        var second = await WaitForAttemptsAsync(spool, id, 2);
        AssertDelay(second.State.NextAttemptAt - time.GetUtcNow(), TimeSpan.FromMinutes(2));

        // The upstream is back but keeps deferring this recipient until the lifetime runs out.
        sink.DropConnections = false;
        sink.RecipientReply = r => r.EndsWith("@down.test", StringComparison.Ordinal) ? "451 4.3.0 try again later" : null;
        for (var step = 0; step < 12 && spool.TryRead(id) is not null; step++)
        {
            time.Advance(TimeSpan.FromMinutes(10));
            await Task.Delay(400);
        }

        var dsn = await sink.WaitForMessageAsync(m => m.Sender.Length == 0, Wait);
        Assert.Equal(["sender@example.org"], dsn.Recipients);
        Assert.Null(spool.TryRead(id));
        Assert.DoesNotContain(sink.Messages, m => m.Recipients.Contains("rcpt@down.test"));
        var report = MimeMessage.Load(new MemoryStream(dsn.Data));
        Assert.Equal("multipart/report", report.Body!.ContentType.MimeType);
        Assert.Contains("Final-Recipient: rfc822; rcpt@down.test", dsn.Text);
        Assert.Contains("Action: failed", dsn.Text);
        Assert.Contains("Status: 4.4.7", dsn.Text);
        Assert.Contains("451 4.3.0 try again later", dsn.Text);
        Assert.Contains(message.MessageId!, dsn.Text, StringComparison.Ordinal); // original headers
        Assert.DoesNotContain("Hello from the test", dsn.Text); // never the original body
        Assert.True(spool.TryRead(id) is null);
    }

    [Fact]
    public async Task Deliver_PermanentRefusalOfOneRecipient_OthersDeliveredAndDsnForIt()
    {
        await using var sink = new SmtpSink { RecipientReply = r => r.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 no such user" : null };
        await using var relay = await RelayHost.StartAsync(sink);
        var message = TestMessages.Simple(subject: "partly deliverable");
        using (var client = await relay.ConnectClientAsync())
        {
            await client.SendAsync(message, MailboxAddress.Parse("sender@example.org"), [MailboxAddress.Parse("nobody@example.net"), MailboxAddress.Parse("somebody@example.net")]);
            await client.DisconnectAsync(true);
        }

        var delivered = await sink.WaitForMessageAsync(m => m.Text.Contains("Subject: partly deliverable", StringComparison.Ordinal), Wait);
        Assert.Equal(["somebody@example.net"], delivered.Recipients);
        var dsn = await sink.WaitForMessageAsync(m => m.Sender.Length == 0, Wait);
        Assert.Equal(["sender@example.org"], dsn.Recipients);
        Assert.Contains("Final-Recipient: rfc822; nobody@example.net", dsn.Text);
        Assert.Contains("Status: 5.1.1", dsn.Text);
        Assert.DoesNotContain("somebody@example.net", dsn.Text.Split("Content-Type: text/rfc822-headers")[0].Split("message/delivery-status")[1]);
        await WaitUntilAsync(() => relay.SpoolFiles().Length == 0);
    }

    [Fact]
    public async Task Deliver_PermanentRefusalWithNullSender_NoDsnAndMessageDropped()
    {
        await using var sink = new SmtpSink { RecipientReply = _ => "550 5.1.1 no such user" };
        await using var relay = await RelayHost.StartAsync(sink);
        await using (var raw = await RawSmtpConnection.ConnectAsync(relay.Port))
        {
            Assert.StartsWith("250", await raw.CommandAsync("EHLO client.test"));
            Assert.StartsWith("250", await raw.CommandAsync("MAIL FROM:<>"));
            Assert.StartsWith("250", await raw.CommandAsync("RCPT TO:<nobody@example.net>"));
            Assert.StartsWith("354", await raw.CommandAsync("DATA"));
            Assert.StartsWith("250", await raw.CommandAsync(TestMessages.Raw("a bounce", "bounce body\r\n") + "."));
        }

        await WaitUntilAsync(() => relay.Logs.Entries.Any(e => e.Id.Id == 6307));
        await WaitUntilAsync(() => relay.SpoolFiles().Length == 0);
        Assert.Empty(sink.Messages);
    }

    [Fact]
    public async Task RetrySchedule_Delay_GrowsExponentiallyWithinJitterAndCap()
    {
        var initial = TimeSpan.FromMinutes(1);
        var max = TimeSpan.FromMinutes(30);
        for (var attempt = 1; attempt <= 10; attempt++)
        {
            var expected = TimeSpan.FromTicks(Math.Min(initial.Ticks << (attempt - 1), max.Ticks));
            var delay = Sovereignty.Proxy.Smtp.Delivery.RetrySchedule.Delay(attempt, initial, max);
            Assert.InRange(delay, expected * 0.8, expected * 1.2);
            Assert.True(delay <= max);
        }

        await Task.CompletedTask;
    }

    private static void AssertDelay(TimeSpan actual, TimeSpan nominal) => Assert.InRange(actual, nominal * 0.79, nominal * 1.21);

    private static async Task<SpoolEntry> WaitForAttemptsAsync(SpoolStore spool, string id, int attempts)
    {
        SpoolEntry? entry = null;
        await WaitUntilAsync(() => (entry = spool.TryRead(id)) is { } e && e.State.Attempts >= attempts);
        Assert.Equal(attempts, entry!.State.Attempts);
        return entry;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(25);
        }
    }
}
