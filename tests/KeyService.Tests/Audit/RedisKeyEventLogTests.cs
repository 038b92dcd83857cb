using System.Text.Json;
using Sovereignty.KeyService.Audit;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Tests.Audit;

[Collection(RedisCollectionDefinition.Name)]
public sealed class RedisKeyEventLogTests(RedisFixture redis) : IDisposable
{
    private readonly SoftwareCheckpointSigner _signer = new();

    public void Dispose() => _signer.Dispose();

    [Fact]
    public async Task RecordAsync_EachOperation_StoresExactlyOneEventWithItsFields()
    {
        var prefix = AuditTestKit.NewPrefix();
        var clock = AuditTestKit.Clock();
        var operations = Enum.GetValues<KeyOperation>();
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, clock))
        {
            var version = 1;
            foreach (var operation in operations)
            {
                await log.RecordAsync(AuditTestKit.Event(operation, version: version++, correlation: "corr-" + operation, recipients: ["bob@example.org"]), CancellationToken.None);
            }
        }

        var stored = await AuditTestKit.ReadAllAsync(redis.Connection, prefix);
        Assert.Equal(operations.Length, stored.Count);
        for (var i = 0; i < operations.Length; i++)
        {
            var r = stored[i];
            Assert.Equal(operations[i], r.Operation);
            Assert.Equal(i + 1, r.Sequence);
            Assert.Equal("node-a", r.Node);
            Assert.Equal("alice", r.Actor);
            Assert.Equal(["staff", "finance"], r.Groups);
            Assert.Equal("192.0.2.10", r.ClientAddress);
            Assert.Equal("test-client/1.0", r.ClientSoftware);
            Assert.Equal("confidential-fr", r.KeyClass);
            Assert.Equal(i + 1, r.KeyVersion);
            Assert.Equal("0a0b" + (i + 1), r.KeyId);
            Assert.Equal("/docs/a.pdf", r.ObjectId);
            Assert.Equal(1, r.RecipientCount);
            Assert.Equal([AuditRecordCodec.HashRecipient("bob@example.org")], r.RecipientHashes);
            Assert.Equal("rule-confidential", r.Purpose);
            Assert.Equal("sha256:abc", r.PolicyVersion);
            Assert.Equal(KeyEventResult.Ok, r.Result);
            Assert.Equal("corr-" + operations[i], r.CorrelationId);
            Assert.Equal("miss", r.Detail["cache"]);
            Assert.True(r.Timestamp >= AuditTestKit.Start);
            Assert.Equal(i == 0 ? AuditRecordCodec.GenesisHash : stored[i - 1].Hash, r.PreviousHash);
        }
    }

    [Fact]
    public async Task RecordAsync_ManySeparateBatches_LeavesNoCheckpointTimerBehind()
    {
        // A node answering one event at a time waits between events for the next one or the
        // checkpoint timer; each of those waits must not leave its timer running.
        var prefix = AuditTestKit.NewPrefix();
        var clock = new Support.TimerCountingTimeProvider();
        await using var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, clock);

        for (var i = 0; i < 200; i++)
        {
            await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        }

        Assert.InRange(clock.LiveTimers, 0, 3);
    }

    [Fact]
    public async Task RecordAsync_StoredEntries_HoldNoRecipientAddress()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, TimeProvider.System))
        {
            await log.RecordAsync(AuditTestKit.Event(KeyOperation.Sign, recipients: ["dave.secret@example.org"]), CancellationToken.None);
        }

        var raw = await redis.Connection.GetDatabase().StreamRangeAsync($"{prefix}:{{node-a}}:events");
        Assert.Single(raw);
        Assert.DoesNotContain(raw[0].Values, v => ((string)v.Value!).Contains("dave.secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RecordAsync_StoredEntry_OnePackedFieldOneValuePerStoredFieldAbsentOnesNull()
    {
        var prefix = AuditTestKit.NewPrefix();
        var withoutObject = AuditTestKit.Event(objectId: null);
        var keyEvent = withoutObject with { Use = withoutObject.Use with { ClientAddress = "", Groups = [] } };
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, AuditTestKit.Clock()))
        {
            await log.RecordAsync(keyEvent, CancellationToken.None);
        }

        var raw = Assert.Single(await redis.Connection.GetDatabase().StreamRangeAsync($"{prefix}:{{node-a}}:events"));
        var field = Assert.Single(raw.Values);
        Assert.Equal("e", (string)field.Name!);
        using var packed = JsonDocument.Parse((string)field.Value!);
        var values = packed.RootElement.EnumerateArray().ToList();
        Assert.Equal(AuditRecordCodec.StoredFields.Length, values.Count);
        string[] absent = ["groups", "addr", "obj", "rcpt_n", "rcpt_h", "err"];
        var present = AuditRecordCodec.StoredFields.Where((_, i) => values[i].ValueKind != JsonValueKind.Null);
        Assert.Equal(AuditRecordCodec.StoredFields.Except(absent), present);
        Assert.All(values, v => Assert.Contains(v.ValueKind, new[] { JsonValueKind.String, JsonValueKind.Null }));
        Assert.DoesNotContain(values, v => v.ValueKind == JsonValueKind.String && v.GetString()!.Length == 0);
        Assert.Equal("1", values[0].GetString());
        Assert.EndsWith("-1", raw.Id.ToString(), StringComparison.Ordinal);
        var pairs = RedisKeyEventLog.ToPairs(raw);
        Assert.Equal(pairs.Single(p => p.Key == AuditRecordCodec.HashField).Value, AuditRecordCodec.ComputeHash(pairs));
    }

    [Fact]
    public async Task RecordAsync_StoredCounterNotANumber_EventRecordedAndCountRestarts()
    {
        var prefix = AuditTestKit.NewPrefix();
        var counter = new AuditKeys(prefix, "node-a").HourlyUses(AuditTestKit.Start);
        await redis.Connection.GetDatabase().HashSetAsync(counter, "alice", "not-a-number");
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, AuditTestKit.Clock()))
        {
            await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
            await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        }

        Assert.Equal(2, (await AuditTestKit.ReadAllAsync(redis.Connection, prefix)).Count);
        Assert.Equal("2", (string?)await redis.Connection.GetDatabase().HashGetAsync(counter, "alice"));
    }

    [Fact]
    public async Task RecordAsync_ManyConcurrentCallers_OneUnbrokenChain()
    {
        var prefix = AuditTestKit.NewPrefix();
        var signer = _signer;
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a", o => o.MaxBatch = 64), signer, TimeProvider.System))
        {
            await Task.WhenAll(Enumerable.Range(0, 2000).Select(i => log.RecordAsync(AuditTestKit.Event(actor: "user" + (i % 7)), CancellationToken.None).AsTask()));
        }

        var verification = await new AuditVerifier(redis.Connection, prefix, signer.PublicKey()).VerifyAsync(null, null, CancellationToken.None);
        Assert.True(verification.Intact, string.Join("; ", verification.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        Assert.Equal(2000, verification.Events);
        var node = Assert.Single(verification.Nodes);
        Assert.Equal(2000, node.LastSequence);
        Assert.Equal(0, node.UnsignedEvents); // disposing signs the tail
    }

    [Fact]
    public async Task RecordAsync_TwoNodesConcurrently_KeepSeparateValidChains()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using (var a = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a", o => o.CheckpointEvery = 100), _signer, TimeProvider.System))
        await using (var b = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-b", o => o.CheckpointEvery = 100), _signer, TimeProvider.System))
        {
            var writes = Enumerable.Range(0, 600).Select(i => (i % 2 == 0 ? a : b).RecordAsync(AuditTestKit.Event(actor: "u" + i), CancellationToken.None).AsTask());
            await Task.WhenAll(writes);
        }

        var verification = await new AuditVerifier(redis.Connection, prefix, _signer.PublicKey()).VerifyAsync(null, null, CancellationToken.None);
        Assert.True(verification.Intact, string.Join("; ", verification.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        Assert.Equal(["node-a", "node-b"], verification.Nodes.Select(n => n.Node));
        Assert.All(verification.Nodes, n =>
        {
            Assert.Equal(300, n.Events);
            Assert.Equal(300, n.LastSequence);
            Assert.NotNull(n.LastCheckpoint);
        });
    }

    [Fact]
    public async Task RecordAsync_EveryNEvents_WritesChainedSignedCheckpoints()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a", o => o.CheckpointEvery = 10), _signer, AuditTestKit.Clock()))
        {
            for (var i = 0; i < 25; i++)
            {
                await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
            }

            var checkpoints = await new AuditReader(redis.Connection, prefix).CheckpointsAsync("node-a");
            Assert.Equal(2, checkpoints.Count);
            Assert.Equal((1, 10), (checkpoints[0].Checkpoint!.FirstSequence, checkpoints[0].Checkpoint!.LastSequence));
            Assert.Equal((11, 20), (checkpoints[1].Checkpoint!.FirstSequence, checkpoints[1].Checkpoint!.LastSequence));
            Assert.Equal(checkpoints[0].Checkpoint!.Signature, checkpoints[1].Checkpoint!.PreviousSignature);
        }
    }

    [Fact]
    public async Task RecordAsync_IntervalElapsed_WritesCheckpointForFewEvents()
    {
        var prefix = AuditTestKit.NewPrefix();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(AuditTestKit.Start);
        await using var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a", o => o.CheckpointInterval = TimeSpan.FromSeconds(30)), _signer, clock);
        await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        var reader = new AuditReader(redis.Connection, prefix);
        Assert.Empty(await reader.CheckpointsAsync("node-a"));

        clock.Advance(TimeSpan.FromSeconds(31));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((await reader.CheckpointsAsync("node-a")).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var checkpoint = Assert.Single(await reader.CheckpointsAsync("node-a")).Checkpoint!;
        Assert.Equal(2, checkpoint.Count);
        Assert.Equal(AuditTestKit.Start.AddSeconds(31), checkpoint.SignedAt);
    }

    [Fact]
    public async Task RecordAsync_RestartedNode_ContinuesTheSameChain()
    {
        var prefix = AuditTestKit.NewPrefix();
        for (var run = 0; run < 3; run++)
        {
            await using var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a", o => o.CheckpointEvery = 4), _signer, TimeProvider.System);
            for (var i = 0; i < 5; i++)
            {
                await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
            }
        }

        var verification = await new AuditVerifier(redis.Connection, prefix, _signer.PublicKey()).VerifyAsync("node-a", null, CancellationToken.None);
        Assert.True(verification.Intact, string.Join("; ", verification.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        Assert.Equal(15, verification.Events);
    }

    [Fact]
    public async Task RecordAsync_SecondWriterWithSameNodeId_NeverForksTheChain()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using (var a = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, TimeProvider.System))
        await using (var b = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-a"), _signer, TimeProvider.System))
        {
            var failures = 0;
            for (var i = 0; i < 40; i++)
            {
                try
                {
                    await (i % 2 == 0 ? a : b).RecordAsync(AuditTestKit.Event(), CancellationToken.None);
                }
                catch (KeyServiceException ex) when (ex.IsRetryable)
                {
                    failures++;
                }
            }

            Assert.True(failures > 0);
        }

        var events = await AuditTestKit.ReadAllAsync(redis.Connection, prefix);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        for (var i = 1; i < events.Count; i++)
        {
            Assert.Equal(events[i - 1].Hash, events[i].PreviousHash);
        }
    }

    [Fact]
    public async Task RecordAsync_RedisUnreachable_FailsClosedWithRetryableError()
    {
        var prefix = AuditTestKit.NewPrefix();
        using var nowhere = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=200,asyncTimeout=500");
        await using var log = AuditTestKit.CreateLog(nowhere, AuditTestKit.Options(prefix, "node-a"), _signer, TimeProvider.System);
        var ex = await Assert.ThrowsAsync<KeyServiceException>(() => log.RecordAsync(AuditTestKit.Event(), CancellationToken.None).AsTask());
        Assert.Equal(KeyErrorKind.Unavailable, ex.Kind);
        Assert.True(ex.IsRetryable);
    }

    [Fact]
    public async Task RecordAsync_NullEvent_Throws()
    {
        await using var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(AuditTestKit.NewPrefix(), "node-a"), _signer, TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentNullException>(() => log.RecordAsync(null!, CancellationToken.None).AsTask());
    }
}
