using Sovereignty.KeyService.Audit;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Tests.Audit;

[Collection(RedisCollectionDefinition.Name)]
public sealed class AuditVerifierTests(RedisFixture redis) : IDisposable
{
    private const string Node = "node-a";
    private readonly SoftwareCheckpointSigner _signer = new();

    public void Dispose() => _signer.Dispose();

    [Fact]
    public async Task VerifyAsync_UntouchedLog_Intact()
    {
        var prefix = await WriteAsync(45);
        var result = await VerifyAsync(prefix);
        Assert.True(result.Intact);
        var node = Assert.Single(result.Nodes);
        Assert.Equal(45, node.Events);
        Assert.Equal(45, node.LastCheckpoint!.LastSequence);
    }

    [Fact]
    public async Task VerifyAsync_FieldEdited_NamesThatEvent()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries => Set(entries, 17, "actor", "mallory"));
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Modified, 17);
    }

    [Fact]
    public async Task VerifyAsync_EntriesInFieldPerNameFormat_IntactAndReadable()
    {
        // Logs written before events were packed into one field still verify and answer queries.
        var prefix = await WriteAsync(45);
        await ReplaceEntriesAsync(prefix, (_, entry) => [.. RedisKeyEventLog.ToPairs(entry).Select(f => new NameValueEntry(f.Key, f.Value))]);
        var raw = (await redis.Connection.GetDatabase().StreamRangeAsync($"{prefix}:{{{Node}}}:events", count: 1))[0];
        Assert.True(raw.Values.Length > 10);

        var result = await VerifyAsync(prefix);

        Assert.True(result.Intact, string.Join("; ", result.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        var page = await new AuditReader(redis.Connection, prefix).QueryAsync(new AuditQuery { Actor = "alice", Limit = 100 }, default);
        Assert.NotEmpty(page);
        Assert.All(page, e => Assert.Equal("alice", e.Actor));
    }

    [Fact]
    public async Task VerifyAsync_PackedValueNotJson_NamesThatEntry()
    {
        var prefix = await WriteAsync(45);
        string? cutEntry = null;
        await ReplaceEntriesAsync(prefix, (i, entry) =>
        {
            var packed = (string)entry.Values[0].Value!;
            if (i != 16)
            {
                return [new(StoredEventEntry.Field, packed)];
            }

            cutEntry = entry.Id!; // the 17th event, cut inside its last value
            return [new(StoredEventEntry.Field, packed[..^7])];
        });

        var result = await VerifyAsync(prefix);

        Assert.False(result.Intact);
        var finding = Assert.Single(result.Nodes).Findings[0];
        Assert.Equal(AuditFindingKind.Malformed, finding.Kind);
        Assert.Equal(cutEntry, finding.StreamId);
        Assert.Contains("not a JSON array", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_FieldEditedAndHashRecomputed_NamesThatEvent()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries =>
        {
            Set(entries, 17, "obj", "/docs/other.pdf");
            Rehash(entries, 17);
        });
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Modified, 17);
    }

    [Fact]
    public async Task VerifyAsync_LastUnsignedEventEdited_NamesIt()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using var log = await WriteAsync(prefix, 45);
        await RewriteAsync(prefix, entries =>
        {
            Set(entries, 45, "res", "Denied");
            Rehash(entries, 45);
        });
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Modified, 45);
    }

    [Fact]
    public async Task VerifyAsync_EventDeleted_NamesTheMissingEvent()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries => entries.RemoveAt(16));
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Deleted, 17);
    }

    [Fact]
    public async Task VerifyAsync_ForgedEventInserted_NamesTheForgery()
    {
        var prefix = await WriteAsync(45);
        string forgedId = "";
        await RewriteAsync(prefix, entries =>
        {
            // A careful forger: sequence 17, linked to event 16, with a valid hash of its own.
            var forged = new List<KeyValuePair<string, string>>(entries[16].Fields);
            forged[forged.FindIndex(f => f.Key == "actor")] = new("actor", "mallory");
            entries.Insert(16, ("", forged));
            Rehash(entries, 17, index: 16);
            forgedId = "1-17";
        });
        var finding = AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Inserted, 17);
        Assert.Equal(forgedId, finding.StreamId);
    }

    [Fact]
    public async Task VerifyAsync_CopiedEventInserted_NamesTheCopy()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries => entries.Insert(20, entries[4]));
        var finding = AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Inserted, 5);
        Assert.Equal("1-21", finding.StreamId);
    }

    [Fact]
    public async Task VerifyAsync_TwoEventsSwapped_NamesReordered()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries => (entries[16], entries[17]) = (entries[17], entries[16]));
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Reordered, 17);
    }

    [Fact]
    public async Task VerifyAsync_SignedTailDropped_NamesFirstCutEvent()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries => entries.RemoveRange(37, 8));
        AssertFinding(await VerifyAsync(prefix), AuditFindingKind.Truncated, 38);
    }

    [Fact]
    public async Task VerifyAsync_UnsignedTailDropped_NamesFirstCutEvent()
    {
        var prefix = AuditTestKit.NewPrefix();
        await using var log = await WriteAsync(prefix, 45);
        await RewriteAsync(prefix, entries => entries.RemoveRange(42, 3));
        var result = await VerifyAsync(prefix);
        AssertFinding(result, AuditFindingKind.Truncated, 43);
    }

    [Fact]
    public async Task VerifyAsync_CheckpointSignatureAltered_ReportsCheckpoint()
    {
        var prefix = await WriteAsync(45);
        var db = redis.Connection.GetDatabase();
        var key = $"{prefix}:{{{Node}}}:checkpoints";
        var entries = await db.StreamRangeAsync(key);
        await db.KeyDeleteAsync(key);
        for (var i = 0; i < entries.Length; i++)
        {
            var values = entries[i].Values.Select(v => v.Name == "head" && i == 1 ? new NameValueEntry("head", new string('a', 64)) : v).ToArray();
            await db.StreamAddAsync(key, values, entries[i].Id);
        }

        var finding = Assert.Single(Assert.Single((await VerifyAsync(prefix)).Nodes).Findings);
        Assert.Equal(AuditFindingKind.Checkpoint, finding.Kind);
        Assert.Contains("invalid signature", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ChainRewrittenConsistently_CaughtBySignedCheckpoint()
    {
        var prefix = await WriteAsync(45);
        await RewriteAsync(prefix, entries =>
        {
            // Rewrites event 12 and re-chains everything after it: only the signed checkpoints can tell.
            Set(entries, 12, "actor", "mallory");
            for (var seq = 12; seq <= 45; seq++)
            {
                if (seq > 12)
                {
                    Set(entries, seq, "prev", Get(entries, seq - 1, "h"));
                }

                Rehash(entries, seq);
            }
        });
        var result = await VerifyAsync(prefix);
        var finding = Assert.Single(Assert.Single(result.Nodes).Findings);
        Assert.Equal(AuditFindingKind.Modified, finding.Kind);
        Assert.Equal(11, finding.Sequence); // first event of the checkpoint range 11-20 that no longer matches
    }

    [Fact]
    public async Task VerifyAsync_Since_StartsAfterTheLastCheckpointBefore()
    {
        var clock = AuditTestKit.Clock();
        var prefix = await WriteAsync(45, clock);
        var checkpoints = await new AuditReader(redis.Connection, prefix).CheckpointsAsync(Node);
        var since = checkpoints[2].Checkpoint!.LastTime.AddMilliseconds(1);
        var result = await new AuditVerifier(redis.Connection, prefix, _signer.PublicKey()).VerifyAsync(Node, since, CancellationToken.None);
        var node = Assert.Single(result.Nodes);
        Assert.True(result.Intact);
        Assert.Equal(3, node.StartedAfter!.Number);
        Assert.Equal(15, node.Events);
    }

    [Fact]
    public async Task TrimAsync_RetentionCut_LogStillVerifiesFromCheckpoint()
    {
        var clock = AuditTestKit.Clock();
        var prefix = await WriteAsync(45, clock);
        var checkpoints = await new AuditReader(redis.Connection, prefix).CheckpointsAsync(Node);
        var cutoff = checkpoints[1].Checkpoint!.LastTime.AddMilliseconds(3);
        var trimmedTo = await new AuditRetention(redis.Connection, prefix).TrimAsync(Node, cutoff, CancellationToken.None);
        Assert.Equal(checkpoints[1].Checkpoint!.LastStreamId, trimmedTo);

        var result = await VerifyAsync(prefix);
        Assert.True(result.Intact, string.Join("; ", result.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        var node = Assert.Single(result.Nodes);
        Assert.Equal(25, node.Events);
        Assert.Equal(21, node.FirstSequence);
        var remaining = await new AuditReader(redis.Connection, prefix).QueryAsync(new AuditQuery { Actor = "alice", Limit = 1000 }, CancellationToken.None);
        Assert.Equal(25, remaining.Count);
        Assert.Equal(21, remaining.Min(r => r.Sequence));

        // The trimmed events' index entries are gone too: the indexes hold exactly the entries of the events left.
        var keys = new AuditKeys(prefix, Node);
        var left = await AuditTestKit.ReadAllAsync(redis.Connection, prefix);
        var expected = left.SelectMany(r => keys.IndexesOf(r).Select(index => $"{index} {r.Sequence}")).Order(StringComparer.Ordinal);
        var stored = new List<string>();
        var server = redis.Connection.GetServers().Single();
        await foreach (var index in server.KeysAsync(pattern: keys.IndexPattern))
        {
            var members = await redis.Connection.GetDatabase().SortedSetRangeByRankAsync(index);
            stored.AddRange(members.Select(m => $"{index} {m}"));
        }

        Assert.Equal(expected, stored.Order(StringComparer.Ordinal));
    }

    private async Task<AuditVerification> VerifyAsync(string prefix) =>
        await new AuditVerifier(redis.Connection, prefix, _signer.PublicKey()).VerifyAsync(null, null, CancellationToken.None);

    private static AuditFinding AssertFinding(AuditVerification result, AuditFindingKind kind, long sequence)
    {
        Assert.False(result.Intact);
        var node = Assert.Single(result.Nodes);
        var finding = node.Findings[0];
        Assert.True(kind == finding.Kind && sequence == finding.Sequence, $"expected {kind} at {sequence}, got {finding.Kind} at {finding.Sequence}: {finding.Message}");
        return finding;
    }

    private async Task<string> WriteAsync(int count, TimeProvider? clock = null)
    {
        var prefix = AuditTestKit.NewPrefix();
        await using var log = await WriteAsync(prefix, count, clock);
        return prefix;
    }

    private async Task<RedisKeyEventLog> WriteAsync(string prefix, int count, TimeProvider? clock = null)
    {
        var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, Node, o => o.CheckpointEvery = 10), _signer, clock ?? AuditTestKit.Clock());
        for (var i = 0; i < count; i++)
        {
            await log.RecordAsync(AuditTestKit.Event(), CancellationToken.None);
        }

        return log;
    }

    /// <summary>What someone with write access to Redis could do: rewrite the node's stream entries (packed as the writer packs them).</summary>
    private async Task RewriteAsync(string prefix, Action<List<(string Id, List<KeyValuePair<string, string>> Fields)>> tamper)
    {
        var db = redis.Connection.GetDatabase();
        var key = $"{prefix}:{{{Node}}}:events";
        var entries = (await db.StreamRangeAsync(key)).Select(e => (Id: (string)e.Id!, Fields: RedisKeyEventLog.ToPairs(e))).ToList();
        tamper(entries);
        await db.KeyDeleteAsync(key);
        for (var i = 0; i < entries.Count; i++)
        {
            await db.StreamAddAsync(key, [new NameValueEntry(StoredEventEntry.Field, StoredEventEntry.Pack(entries[i].Fields))], $"1-{i + 1}");
        }
    }

    /// <summary>Rewrites each stream entry (by position) as <paramref name="replace"/> says, under its own id.</summary>
    private async Task ReplaceEntriesAsync(string prefix, Func<int, StreamEntry, NameValueEntry[]> replace)
    {
        var db = redis.Connection.GetDatabase();
        var key = $"{prefix}:{{{Node}}}:events";
        var entries = await db.StreamRangeAsync(key);
        await db.KeyDeleteAsync(key);
        for (var i = 0; i < entries.Length; i++)
        {
            await db.StreamAddAsync(key, replace(i, entries[i]), entries[i].Id);
        }
    }

    private static int IndexOfSequence(List<(string Id, List<KeyValuePair<string, string>> Fields)> entries, long sequence) =>
        entries.FindIndex(e => e.Fields.Any(f => f.Key == "seq" && f.Value == sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    private static string Get(List<(string Id, List<KeyValuePair<string, string>> Fields)> entries, long sequence, string name) =>
        entries[IndexOfSequence(entries, sequence)].Fields.Single(f => f.Key == name).Value;

    private static void Set(List<(string Id, List<KeyValuePair<string, string>> Fields)> entries, long sequence, string name, string value)
    {
        var fields = entries[IndexOfSequence(entries, sequence)].Fields;
        fields[fields.FindIndex(f => f.Key == name)] = new(name, value);
    }

    private static void Rehash(List<(string Id, List<KeyValuePair<string, string>> Fields)> entries, long sequence, int? index = null)
    {
        var fields = entries[index ?? IndexOfSequence(entries, sequence)].Fields;
        fields[fields.FindIndex(f => f.Key == "h")] = new("h", AuditRecordCodec.ComputeHash(fields));
    }
}
