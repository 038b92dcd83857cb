using Sovereignty.KeyService.Audit;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>Policies that are not simply enforced: audit-only, and no valid policy at all; and bytes that are not MIME.</summary>
public sealed class PolicyModeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Send_AuditOnlyPolicy_RelayedAsIsAndWouldHaveLogged()
    {
        await using var gateway = await StartAsync(TestMailPolicy.Yaml(mode: "audit-only"));
        var canary = MailSubmission.NewCanary();
        var message = MailSubmission.CanaryMessage(canary, "[BLOCK] ", MailGatewayFixture.Alice);

        var reply = await MailSubmission.SubmitAsync(gateway.SmtpPort, message, MailGatewayFixture.Sender, MailGatewayFixture.Alice);

        Assert.StartsWith("250", reply);
        var received = await gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(message.MessageId!, StringComparison.Ordinal), Wait);
        Assert.Contains($"{canary}-BODY", received.Text, StringComparison.Ordinal);
        var wouldHave = Assert.Single(gateway.Logs.Entries, e => e.Id.Id == 6404);
        Assert.Contains($"would have been block as bloque (rule {TestMailPolicy.BlockRule}); pass applied", wouldHave.Text, StringComparison.Ordinal);
        Assert.Empty(await gateway.AuditAsync("<" + message.MessageId + ">"));
    }

    [Fact]
    public async Task Send_PolicyDirectoryInvalid_451NoPolicyAndNothingRelayed()
    {
        await using var gateway = await StartAsync("policy: [this is not a policy");
        var message = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", "x@" + TestMailPolicy.PassDomain);

        var reply = await MailSubmission.SubmitAsync(gateway.SmtpPort, message, MailGatewayFixture.Sender, "x@" + TestMailPolicy.PassDomain);

        Assert.Equal("451 4.7.0 No security policy loaded; try again later", reply);
        Assert.Contains(gateway.Logs.Entries, e => e.Id.Id == 6406);
        await Task.Delay(500);
        Assert.Empty(gateway.Sink.Messages);
    }

    [Fact]
    public async Task Send_NotMimeAndPolicyEncryptsUnscannable_554NothingRelayed()
    {
        await using var gateway = await StartAsync(TestMailPolicy.Yaml());
        var data = System.Text.Encoding.ASCII.GetBytes("this line is no header\r\nneither is this one\r\n");

        var reply = await MailSubmission.SubmitAsync(gateway.SmtpPort, data, MailGatewayFixture.Sender, "x@" + TestMailPolicy.PassDomain);

        Assert.True(reply.StartsWith("554 5.6.0 ", StringComparison.Ordinal), reply + "\n" + gateway.Logs.AllText);
        Assert.Contains("contenu-non-analysable", reply, StringComparison.Ordinal);
        Assert.Contains(gateway.Logs.Entries, e => e.Id.Id == 6407);
        await Task.Delay(500);
        Assert.Empty(gateway.Sink.Messages);
    }

    private static async Task<Gateway> StartAsync(string policy)
    {
        var gateway = MailGatewayFixture.WithPolicy(policy);
        try
        {
            await gateway.InitializeAsync();
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }

        return new Gateway(gateway);
    }

    /// <summary>A gateway owned by one test.</summary>
    private sealed class Gateway(MailGatewayFixture fixture) : IAsyncDisposable
    {
        public int SmtpPort => fixture.SmtpPort;

        public Testing.SmtpSink Sink => fixture.Sink;

        public Testing.CapturingLoggerProvider Logs => fixture.Logs;

        public Task<IReadOnlyList<AuditRecord>> AuditAsync(string objectId) => fixture.AuditAsync(objectId);

        public async ValueTask DisposeAsync() => await fixture.DisposeAsync();
    }
}
