using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.Proxy.Smtp;
using Sovereignty.Proxy.Smtp.Delivery;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Delivery;

public sealed class UpstreamConnectionTests
{
    [Fact]
    public async Task SendAsync_AfterIdleLongerThanProbe_ReusesConnectionWithoutDelay()
    {
        await using var sink = new SmtpSink();
        var time = new FakeTimeProvider();
        var options = new SmtpRelayOptions { ServerName = "relay.test" };
        options.Upstream.Host = "127.0.0.1";
        options.Upstream.Port = sink.Port;
        options.Upstream.Security = UpstreamSecurity.None;
        options.Upstream.Timeout = TimeSpan.FromSeconds(10);
        await using var connection = new UpstreamConnection(options, time, NullLogger.Instance);

        var first = await connection.SendAsync("a@example.org", ["b@example.net"], Message("one"), CancellationToken.None);
        time.Advance(TimeSpan.FromMinutes(5));
        var watch = Stopwatch.StartNew();
        var second = await connection.SendAsync("a@example.org", ["b@example.net"], Message("two"), CancellationToken.None);

        Assert.True(first["b@example.net"].IsSuccess);
        Assert.True(second["b@example.net"].IsSuccess, second["b@example.net"].ToString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"second send took {watch.Elapsed}");
        Assert.Equal(1, sink.Connections);
        Assert.Equal(2, sink.Messages.Count);
    }

    [Fact]
    public async Task SendAsync_RecipientsRefusedDifferently_ReportsEachReply()
    {
        await using var sink = new SmtpSink
        {
            RecipientReply = r => r switch
            {
                "gone@example.net" => "550 5.1.1 no such user",
                "busy@example.net" => "452 4.2.2 mailbox full",
                _ => null,
            },
        };
        var options = new SmtpRelayOptions { ServerName = "relay.test" };
        options.Upstream.Host = "127.0.0.1";
        options.Upstream.Port = sink.Port;
        options.Upstream.Security = UpstreamSecurity.None;
        await using var connection = new UpstreamConnection(options, TimeProvider.System, NullLogger.Instance);

        var replies = await connection.SendAsync("a@example.org", ["gone@example.net", "busy@example.net", "ok@example.net"], Message("mixed"), CancellationToken.None);

        Assert.Equal(550, replies["gone@example.net"].Code);
        Assert.Equal("5.1.1", replies["gone@example.net"].EnhancedStatus);
        Assert.Equal(452, replies["busy@example.net"].Code);
        Assert.True(replies["ok@example.net"].IsSuccess);
        Assert.Equal(["ok@example.net"], Assert.Single(sink.Messages).Recipients);
    }

    private static MemoryStream Message(string subject) =>
        new(Encoding.ASCII.GetBytes($"From: a@example.org\r\nTo: b@example.net\r\nSubject: {subject}\r\n\r\nbody\r\n"));
}
