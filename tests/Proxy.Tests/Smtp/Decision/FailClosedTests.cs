namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>
/// Outages on a gateway of its own (the shared one must keep its Redis and token): the audit
/// log (Redis) killed, the HSM token removed. Mail that must be signed or encrypted gets
/// <c>451 4.7.0</c>, nothing is queued or relayed, and once the component is back the client's
/// retry of the same message goes through.
/// </summary>
public sealed class FailClosedTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly MailGatewayFixture _gateway = new();

    public Task InitializeAsync() => _gateway.InitializeAsync();

    public Task DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Send_AuditLogDown_451ForSignAndEncryptNothingRelayed_RetryAfterRecoveryDelivers()
    {
        var warmUp = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Alice);
        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, warmUp, MailGatewayFixture.Sender, MailGatewayFixture.Alice));

        await _gateway.Redis.KillAsync();
        var signed = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Sam);
        var encrypted = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Alice);
        var signReply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, signed, MailGatewayFixture.Sender, MailGatewayFixture.Sam);
        var encryptReply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, encrypted, MailGatewayFixture.Sender, MailGatewayFixture.Alice);
        var passReply = await MailSubmission.SubmitAsync(_gateway.SmtpPort,
            MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", "x@" + TestMailPolicy.PassDomain), MailGatewayFixture.Sender, "x@" + TestMailPolicy.PassDomain);

        Assert.Equal("451 4.7.0 Cannot protect the message now (HSM or audit log unavailable); try again later", signReply);
        Assert.Equal(signReply, encryptReply);
        Assert.StartsWith("250", passReply); // no key is involved: the audit log is not needed
        await Task.Delay(500);
        Assert.DoesNotContain(_gateway.Sink.Messages, m => m.Text.Contains(signed.MessageId!, StringComparison.Ordinal) || m.Text.Contains(encrypted.MessageId!, StringComparison.Ordinal));
        Assert.Contains(_gateway.Logs.Entries, e => e.Id.Id == 6405);

        await _gateway.Redis.RestartAsync();
        Assert.StartsWith("250", await RetryUntilAcceptedAsync(signed, MailGatewayFixture.Sam));
        Assert.StartsWith("250", await RetryUntilAcceptedAsync(encrypted, MailGatewayFixture.Alice));
        await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(signed.MessageId!, StringComparison.Ordinal), Wait);
        await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(encrypted.MessageId!, StringComparison.Ordinal), Wait);
    }

    [Fact]
    public async Task Send_HsmTokenRemoved_451NothingRelayed_RetryAfterTokenBackDelivers()
    {
        var warmUp = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Bob);
        Assert.StartsWith("250", await MailSubmission.SubmitAsync(_gateway.SmtpPort, warmUp, MailGatewayFixture.Sender, MailGatewayFixture.Bob));

        var signed = MailSubmission.CanaryMessage(MailSubmission.NewCanary(), "", MailGatewayFixture.Bob);
        string reply;
        using (_gateway.Token.Unplug())
        {
            reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, signed, MailGatewayFixture.Sender, MailGatewayFixture.Bob);
        }

        // Plugged back: the key service finds the token again by itself, the client's retry goes through.
        Assert.True(reply.StartsWith("451 4.7.0 ", StringComparison.Ordinal), reply + "\n" + _gateway.Logs.AllText);
        await Task.Delay(500);
        Assert.DoesNotContain(_gateway.Sink.Messages, m => m.Text.Contains(signed.MessageId!, StringComparison.Ordinal));

        var retried = await RetryUntilAcceptedAsync(signed, MailGatewayFixture.Bob);
        Assert.True(retried.StartsWith("250", StringComparison.Ordinal), retried + "\n" + _gateway.Logs.AllText);
        await _gateway.Sink.WaitForMessageAsync(m => m.Text.Contains(signed.MessageId!, StringComparison.Ordinal), Wait);
    }

    /// <summary>What a client's queue does after a 4xx: send the same message again until it is accepted.</summary>
    private async Task<string> RetryUntilAcceptedAsync(MimeKit.MimeMessage message, string recipient)
    {
        var deadline = DateTime.UtcNow + Wait;
        string reply;
        do
        {
            reply = await MailSubmission.SubmitAsync(_gateway.SmtpPort, message, MailGatewayFixture.Sender, recipient);
            if (!reply.StartsWith("451", StringComparison.Ordinal))
            {
                return reply;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        return reply;
    }
}
