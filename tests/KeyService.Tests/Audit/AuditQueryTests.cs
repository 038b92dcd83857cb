using Sovereignty.KeyService.Audit;

namespace Sovereignty.KeyService.Tests.Audit;

/// <summary>Every query is checked against a brute-force scan of all stored events.</summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class AuditQueryTests(RedisFixture redis) : IAsyncLifetime, IDisposable
{
    private static readonly string[] s_actors = ["alice", "bob", "carol", "dave", "eve"];
    private static readonly string[] s_classes = ["confidential-fr", "secret-fr", "internal"];
    private readonly SoftwareCheckpointSigner _signer = new();
    private readonly string _prefix = AuditTestKit.NewPrefix();
    private List<AuditRecord> _all = [];

    public async Task InitializeAsync()
    {
        var random = new Random(4242);
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(AuditTestKit.Start);
        await using (var a = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(_prefix, "node-a"), _signer, clock))
        await using (var b = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(_prefix, "node-b"), _signer, clock))
        {
            var operations = Enum.GetValues<KeyOperation>();
            var results = Enum.GetValues<KeyEventResult>();
            for (var i = 0; i < 700; i++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(random.Next(0, 4000)));
                var operation = operations[random.Next(operations.Length)];
                var result = results[random.Next(results.Length)];
                if (operation == KeyOperation.DecryptKey && result == KeyEventResult.Denied)
                {
                    // Never together (like the benchmark's unwrap + denied): each alone has events.
                    result = KeyEventResult.Ok;
                }

                var keyEvent = AuditTestKit.Event(
                    operation,
                    s_classes[random.Next(s_classes.Length)],
                    random.Next(1, 4),
                    s_actors[random.Next(s_actors.Length)],
                    random.Next(12) == 0 ? null : "/docs/" + random.Next(10) + ".pdf",
                    result);
                await (random.Next(2) == 0 ? a : b).RecordAsync(keyEvent, CancellationToken.None);
            }
        }

        _all = await AuditTestKit.ReadAllAsync(redis.Connection, _prefix);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _signer.Dispose();

    public static TheoryData<string> Queries() =>
    [
        "none", "key", "keyversion", "actor", "object", "op", "result", "since", "until", "window",
        "actor+op", "key+result", "object+actor", "node", "oldest", "limit", "actor+window", "nomatch",
        "op+result", "op+result+oldest", "op+result+limit", "op+result+never", "keyversion+actor+op",
        "object+actor+result+window", "all-dimensions", "result+node+window", "result-ok", "result-ok+limit", "actor+result-ok",
    ];

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task QueryAsync_EachDimension_ReturnsExactlyTheMatchingEvents(string name)
    {
        var mid = _all.OrderBy(r => r.Timestamp).ElementAt(_all.Count / 2).Timestamp;
        var late = _all.OrderBy(r => r.Timestamp).ElementAt(_all.Count * 3 / 4).Timestamp;
        var query = name switch
        {
            "none" => new AuditQuery { Limit = 10_000 },
            "key" => new AuditQuery { KeyClass = "secret-fr", Limit = 10_000 },
            "keyversion" => new AuditQuery { KeyClass = "secret-fr", KeyVersion = 2, Limit = 10_000 },
            "actor" => new AuditQuery { Actor = "bob", Limit = 10_000 },
            "object" => new AuditQuery { ObjectId = "/docs/3.pdf", Limit = 10_000 },
            "op" => new AuditQuery { Operation = KeyOperation.UnwrapDataKey, Limit = 10_000 },
            "result" => new AuditQuery { Result = KeyEventResult.Denied, Limit = 10_000 },
            "since" => new AuditQuery { Since = mid, Limit = 10_000 },
            "until" => new AuditQuery { Until = mid, Limit = 10_000 },
            "window" => new AuditQuery { Since = mid, Until = late, Limit = 10_000 },
            "actor+op" => new AuditQuery { Actor = "carol", Operation = KeyOperation.WrapDataKey, Limit = 10_000 },
            "key+result" => new AuditQuery { KeyClass = "internal", Result = KeyEventResult.Error, Limit = 10_000 },
            "object+actor" => new AuditQuery { ObjectId = "/docs/1.pdf", Actor = "alice", Limit = 10_000 },
            "node" => new AuditQuery { Node = "node-b", Actor = "dave", Limit = 10_000 },
            "oldest" => new AuditQuery { Actor = "eve", OldestFirst = true, Limit = 25 },
            "limit" => new AuditQuery { KeyClass = "confidential-fr", Limit = 7 },
            "actor+window" => new AuditQuery { Actor = "alice", Since = mid, Until = late, Limit = 10_000 },
            "nomatch" => new AuditQuery { Actor = "nobody", Limit = 10_000 },
            "op+result" => new AuditQuery { Operation = KeyOperation.Sign, Result = KeyEventResult.Denied, Limit = 10_000 },
            "op+result+oldest" => new AuditQuery { Operation = KeyOperation.UnwrapDataKey, Result = KeyEventResult.Ok, OldestFirst = true, Limit = 10_000 },
            "op+result+limit" => new AuditQuery { Operation = KeyOperation.WrapDataKey, Result = KeyEventResult.Error, Limit = 5 },
            "op+result+never" => new AuditQuery { Operation = KeyOperation.DecryptKey, Result = KeyEventResult.Denied, Limit = 10_000 },
            "keyversion+actor+op" => new AuditQuery { KeyClass = "confidential-fr", KeyVersion = 1, Actor = "bob", Operation = KeyOperation.WrapDataKey, Limit = 10_000 },
            "object+actor+result+window" => new AuditQuery { ObjectId = "/docs/4.pdf", Actor = "carol", Result = KeyEventResult.Ok, Since = mid - TimeSpan.FromMinutes(30), Until = late + TimeSpan.FromMinutes(30), Limit = 10_000 },
            "all-dimensions" => AllDimensionsOfOneEvent(),
            "result+node+window" => new AuditQuery { Result = KeyEventResult.Denied, Node = "node-a", Since = mid, Until = late, Limit = 10_000 },
            "result-ok" => new AuditQuery { Result = KeyEventResult.Ok, Limit = 10_000 },
            "result-ok+limit" => new AuditQuery { Result = KeyEventResult.Ok, Limit = 9 },
            "actor+result-ok" => new AuditQuery { Actor = "bob", Result = KeyEventResult.Ok, Limit = 10_000 },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };

        var expected = BruteForce(query);
        var actual = await new AuditReader(redis.Connection, _prefix).QueryAsync(query, CancellationToken.None);

        Assert.Equal(expected.Select(r => (r.Node, r.Sequence)), actual.Select(r => (r.Node, r.Sequence)));
        if (name is not ("nomatch" or "op+result+never"))
        {
            Assert.NotEmpty(actual);
        }
    }

    [Fact]
    public async Task RecordAsync_SuccessfulUses_HaveNoResultIndexWhileDeniedAndFailedOnesDo()
    {
        var server = redis.Connection.GetServers()[0];
        var resultIndexes = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: _prefix + ":*ix:res:*"))
        {
            resultIndexes.Add(((string)key!)[(((string)key!).LastIndexOf(':') + 1)..]);
        }

        Assert.Contains(_all, r => r.Result == KeyEventResult.Ok);
        Assert.Equal(["Denied", "Error"], resultIndexes.Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task QueryAsync_OperationAndResultNeverTogether_ReturnsNoneWhileEachAloneHasEvents()
    {
        // Regression for the benchmark's "operation + result" page that came back empty:
        // the generator never produced that pair; the query was right. Each filter alone matches.
        var reader = new AuditReader(redis.Connection, _prefix);
        var operationOnly = await reader.QueryAsync(new AuditQuery { Operation = KeyOperation.DecryptKey, Limit = 10_000 }, CancellationToken.None);
        var resultOnly = await reader.QueryAsync(new AuditQuery { Result = KeyEventResult.Denied, Limit = 10_000 }, CancellationToken.None);
        var both = await reader.QueryAsync(new AuditQuery { Operation = KeyOperation.DecryptKey, Result = KeyEventResult.Denied, Limit = 10_000 }, CancellationToken.None);

        Assert.NotEmpty(operationOnly);
        Assert.NotEmpty(resultOnly);
        Assert.Empty(both);
        Assert.DoesNotContain(_all, r => r.Operation == KeyOperation.DecryptKey && r.Result == KeyEventResult.Denied);
    }

    private AuditQuery AllDimensionsOfOneEvent()
    {
        var sample = _all.First(r => r.ObjectId is not null && r.KeyVersion is not null);
        return new AuditQuery
        {
            KeyClass = sample.KeyClass,
            KeyVersion = sample.KeyVersion,
            Actor = sample.Actor,
            ObjectId = sample.ObjectId,
            Operation = sample.Operation,
            Result = sample.Result,
            Node = sample.Node,
            Since = sample.Timestamp,
            Until = sample.Timestamp.AddMilliseconds(1),
            Limit = 10_000,
        };
    }

    [Fact]
    public async Task QueryAsync_VersionWithoutClass_Refused()
    {
        var reader = new AuditReader(redis.Connection, _prefix);
        await Assert.ThrowsAsync<ArgumentException>(() => reader.QueryAsync(new AuditQuery { KeyVersion = 2 }, CancellationToken.None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task QueryAsync_LimitOutOfRange_Refused(int limit)
    {
        var reader = new AuditReader(redis.Connection, _prefix);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => reader.QueryAsync(new AuditQuery { Limit = limit }, CancellationToken.None));
    }

    private List<AuditRecord> BruteForce(AuditQuery query)
    {
        var matching = _all.Where(query.Matches);
        var ordered = query.OldestFirst
            ? matching.OrderBy(r => r.Timestamp).ThenBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Sequence)
            : matching.OrderByDescending(r => r.Timestamp).ThenByDescending(r => r.Node, StringComparer.Ordinal).ThenByDescending(r => r.Sequence);
        return [.. ordered.Take(query.Limit)];
    }
}
