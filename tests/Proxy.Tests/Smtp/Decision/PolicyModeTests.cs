using Microsoft.Extensions.DependencyInjection;
using Sovereignty.KeyService.Audit;
using Sovereignty.Policies.Reload;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>Policies that are not simply enforced: audit-only, and a broken edit after start; and bytes that are not MIME.</summary>
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
    public async Task Send_PolicyBrokenAfterStart_LastGoodPolicyStillDecides()
    {
        // serve refuses to start on a broken policy (ServeProcessTests); a later broken edit is
        // rejected and the last good policy keeps deciding: here its block rule still blocks.
        await using var gateway = await StartAsync(TestMailPolicy.Yaml());
        await File.WriteAllTextAsync(Path.Combine(gateway.PolicyDirectory, "policy.yaml"), "policy: [this is not a policy");
        var provider = gateway.Services.GetRequiredService<PolicyProvider>();
        Assert.False(provider.Reload());
        var message = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "[BLOCK] ", "x@" + TestMailPolicy.PassDomain);

        var reply = await MailSubmission.SubmitAsync(gateway.SmtpPort, message, MailGatewayFixture.Sender, "x@" + TestMailPolicy.PassDomain);

        Assert.StartsWith("550 5.7.1 ", reply, StringComparison.Ordinal);
        Assert.True(provider.Status.LastChangeRejected);
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

        public string PolicyDirectory => fixture.PolicyDirectory;

        public IServiceProvider Services => fixture.App.Services;

        public Task<IReadOnlyList<AuditRecord>> AuditAsync(string objectId) => fixture.AuditAsync(objectId);

        public async ValueTask DisposeAsync() => await fixture.DisposeAsync();
    }
}
