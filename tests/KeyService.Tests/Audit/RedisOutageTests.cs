using Sovereignty.KeyService.Audit;
using Sovereignty.Testing;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Tests.Audit;

/// <summary>Redis killed mid-run: each test has its own redis-server, since it kills it.</summary>
public sealed class RedisOutageTests : IAsyncLifetime, IDisposable
{
    private readonly SoftwareCheckpointSigner _signer = new();
    private readonly string _journalDirectory = Directory.CreateTempSubdirectory("sovereignty-journal-").FullName;
    private RedisServer _server = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.ConnectionString + ",connectRetry=1");
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _server.DisposeAsync();
    }

    public void Dispose()
    {
        _signer.Dispose();
        Directory.Delete(_journalDirectory, recursive: true);
    }

    [Fact]
    public async Task RecordAsync_RedisKilledMidRun_FailsClosedThenRecovers()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using var log = AuditTestKit.CreateLog(_connection, AuditTestKit.Options(prefix, "node-a"), _signer, TimeProvider.System);
        for (var i = 0; i < 10; i++)
        {
            await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        }

        await _server.KillAsync();
        for (var i = 0; i < 3; i++)
        {
            var ex = await Assert.ThrowsAsync<KeyServiceException>(() => log.RecordAsync(AuditTestKit.Event(), CancellationToken.None).AsTask());
            Assert.Equal(KeyErrorKind.Unavailable, ex.Kind);
        }

        await _server.RestartAsync();
        await RecordEventuallyAsync(log, AuditTestKit.Event(actor: "after"));

        var events = await AuditTestKit.ReadAllAsync(_connection, prefix);
        Assert.Equal(11, events.Count);
        Assert.Equal("after", events[^1].Actor);
        await AssertIntactAsync(prefix, 11);
    }

    [Fact]
    public async Task RecordAsync_RedisKilledWithJournal_AllEventsArriveOnceInOrder()
    {
        var prefix = AuditTestKit.NewPrefix();
        var options = AuditTestKit.Options(prefix, "node-a", o =>
        {
            o.Journal = new AuditJournalOptions { Enabled = true, Path = Path.Combine(_journalDirectory, "a.journal"), RetryInterval = TimeSpan.FromMilliseconds(100) };
            o.CheckpointEvery = 8;
        });
        await using (var log = AuditTestKit.CreateLog(_connection, options, _signer, TimeProvider.System))
        {
            for (var i = 0; i < 5; i++)
            {
                await log.RecordAsync(AuditTestKit.Event(correlation: "c" + i), CancellationToken.None);
            }

            await _server.KillAsync();
            for (var i = 5; i < 30; i++)
            {
                await log.RecordAsync(AuditTestKit.Event(correlation: "c" + i), CancellationToken.None);
            }

            Assert.True(log.JournaledCount > 0);
            await _server.RestartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (log.JournaledCount > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.Equal(0, log.JournaledCount);
            await log.RecordAsync(AuditTestKit.Event(correlation: "c30"), CancellationToken.None);
        }

        var events = await AuditTestKit.ReadAllAsync(_connection, prefix);
        Assert.Equal(Enumerable.Range(0, 31).Select(i => "c" + i), events.Select(e => e.CorrelationId));
        Assert.Equal(Enumerable.Range(1, 31).Select(i => (long)i), events.Select(e => e.Sequence));
        await AssertIntactAsync(prefix, 31);
    }

    [Fact]
    public async Task RecordAsync_JournalSurvivesProcessRestart_FlushedWithoutDuplicates()
    {
        var prefix = AuditTestKit.NewPrefix();
        var options = AuditTestKit.Options(prefix, "node-a", o =>
            o.Journal = new AuditJournalOptions { Enabled = true, Path = Path.Combine(_journalDirectory, "b.journal"), RetryInterval = TimeSpan.FromMilliseconds(100) });
        await using (var log = AuditTestKit.CreateLog(_connection, options, _signer, TimeProvider.System))
        {
            await log.RecordAsync(AuditTestKit.Event(correlation: "c0"), CancellationToken.None);
            await _server.KillAsync();
            for (var i = 1; i < 12; i++)
            {
                await log.RecordAsync(AuditTestKit.Event(correlation: "c" + i), CancellationToken.None);
            }
        }

        // A new process (same node, same journal) starts while Redis is still down, then Redis returns.
        await using (var log = AuditTestKit.CreateLog(_connection, options, _signer, TimeProvider.System))
        {
            Assert.Equal(11, log.JournaledCount);
            await log.RecordAsync(AuditTestKit.Event(correlation: "c12"), CancellationToken.None);
            await _server.RestartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (log.JournaledCount > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        var events = await AuditTestKit.ReadAllAsync(_connection, prefix);
        Assert.Equal(Enumerable.Range(0, 13).Select(i => "c" + i), events.Select(e => e.CorrelationId));
        await AssertIntactAsync(prefix, 13);
    }

    [Fact]
    public async Task RecordAsync_JournalFull_FailsClosed()
    {
        var prefix = AuditTestKit.NewPrefix();
        var options = AuditTestKit.Options(prefix, "node-a", o =>
            o.Journal = new AuditJournalOptions { Enabled = true, Path = Path.Combine(_journalDirectory, "c.journal"), MaxBytes = 4096, RetryInterval = TimeSpan.FromMinutes(1) });
        await using var log = AuditTestKit.CreateLog(_connection, options, _signer, TimeProvider.System);
        await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        await _server.KillAsync();

        var accepted = 0;
        KeyServiceException? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
                accepted++;
            }
            catch (KeyServiceException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(KeyErrorKind.Unavailable, refused.Kind);
        Assert.Contains("journal is full", refused.Message, StringComparison.Ordinal);
        Assert.InRange(accepted, 1, 99);
        Assert.Equal(accepted, log.JournaledCount);
        Assert.True(new FileInfo(Path.Combine(_journalDirectory, "c.journal")).Length <= 4096);
    }

    private static async Task RecordEventuallyAsync(IKeyEventLog log, KeyEvent keyEvent)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                await log.RecordAsync(keyEvent, CancellationToken.None);
                return;
            }
            catch (KeyServiceException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    private async Task AssertIntactAsync(string prefix, long events)
    {
        var verification = await new AuditVerifier(_connection, prefix, _signer.PublicKey()).VerifyAsync(null, null, CancellationToken.None);
        Assert.True(verification.Intact, string.Join("; ", verification.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        Assert.Equal(events, verification.Events);
    }
}
