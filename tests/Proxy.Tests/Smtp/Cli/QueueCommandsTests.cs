using System.Buffers;
using System.CommandLine;
using System.Text;
using Sovereignty.Proxy.Cli;
using Sovereignty.Proxy.Smtp.Spool;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Cli;

/// <summary><c>sovereignty queue …</c> run through the real root command on a real spool.</summary>
public sealed class QueueCommandsTests : IDisposable
{
    private const string Secret = "CONFIDENTIAL-BODY-CANARY";
    private readonly TempDirectory _temp = new();
    private readonly SpoolStore _spool;

    public QueueCommandsTests()
    {
        _spool = new SpoolStore(_temp.Combine("spool"), TimeProvider.System);
        _spool.EnsureCreated();
    }

    [Fact]
    public async Task List_TwoMessages_PrintsBoth()
    {
        var a = await EnqueueAsync();
        var b = await EnqueueAsync();

        var (code, output, error) = await RunAsync("queue", "list", "--spool", _spool.Directory);

        Assert.Equal(0, code);
        Assert.Contains(a, output);
        Assert.Contains(b, output);
        Assert.Contains("2 message(s)", output);
        Assert.Empty(error);
    }

    [Fact]
    public async Task Show_WithoutBody_PrintsEnvelopeAndHeadersButNotTheBody()
    {
        var id = await EnqueueAsync();

        var (code, output, _) = await RunAsync("queue", "show", id, "--spool", _spool.Directory);

        Assert.Equal(0, code);
        Assert.Contains("Sender:        <sender@example.org>", output);
        Assert.Contains("Recipient:     <rcpt@example.net> pending", output);
        Assert.Contains("Subject: queued", output);
        Assert.DoesNotContain(Secret, output);
        Assert.Contains("[body not shown; use --body]", output);
    }

    [Fact]
    public async Task Show_WithBody_PrintsTheBody()
    {
        var id = await EnqueueAsync();

        var (code, output, _) = await RunAsync("queue", "show", id, "--body", "--spool", _spool.Directory);

        Assert.Equal(0, code);
        Assert.Contains(Secret, output);
    }

    [Fact]
    public async Task Retry_DeferredMessage_BecomesDueNow()
    {
        var id = await EnqueueAsync();
        using (var lease = _spool.TryLease(id)!)
        {
            _spool.SaveState(lease, _spool.TryRead(id)!.State with { Attempts = 3, NextAttemptAt = DateTimeOffset.UtcNow.AddHours(1) });
        }

        var (code, output, _) = await RunAsync("queue", "retry", id, "--spool", _spool.Directory);

        Assert.Equal(0, code);
        Assert.Contains("due now", output);
        Assert.True(_spool.TryRead(id)!.State.NextAttemptAt <= DateTimeOffset.UtcNow);
        Assert.Equal(3, _spool.TryRead(id)!.State.Attempts);
    }

    [Fact]
    public async Task Delete_QueuedMessage_RemovedFromSpool()
    {
        var id = await EnqueueAsync();

        var (code, _, _) = await RunAsync("queue", "delete", id, "--spool", _spool.Directory);

        Assert.Equal(0, code);
        Assert.Null(_spool.TryRead(id));
    }

    [Fact]
    public async Task Delete_MessageBeingDelivered_Exit4AndKept()
    {
        var id = await EnqueueAsync();
        using var lease = _spool.TryLease(id);

        var (code, _, error) = await RunAsync("queue", "delete", id, "--spool", _spool.Directory);

        Assert.Equal(QueueCommands.ExitBusy, code);
        Assert.Contains("being delivered", error);
        Assert.NotNull(_spool.TryRead(id));
    }

    [Theory]
    [InlineData("0123456789abcdef0123")]
    [InlineData("../../etc/passwd")]
    public async Task Show_UnknownOrInvalidId_Exit3WithOneLineError(string id)
    {
        var (code, output, error) = await RunAsync("queue", "show", id, "--spool", _spool.Directory);

        Assert.Equal(QueueCommands.ExitNotFound, code);
        Assert.Empty(output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("sovereignty queue: ", error);
    }

    [Fact]
    public async Task List_DirectoryThatIsNotASpool_Exit1()
    {
        var (code, _, error) = await RunAsync("queue", "list", "--spool", _temp.Combine("nothing-here"));

        Assert.Equal(QueueCommands.ExitError, code);
        Assert.Contains("is not a spool", error);
    }

    public void Dispose() => _temp.Dispose();

    private async Task<string> EnqueueAsync()
    {
        var message = Encoding.ASCII.GetBytes($"From: sender@example.org\r\nSubject: queued\r\nMessage-ID: <{Guid.NewGuid():N}@client.test>\r\n\r\n{Secret}\r\n");
        var envelope = await _spool.EnqueueAsync("sender@example.org", ["rcpt@example.net"], "127.0.0.1:2", new ReadOnlySequence<byte>(message), TimeSpan.FromDays(1), false, CancellationToken.None);
        return envelope.Id;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await SovereigntyCli.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
