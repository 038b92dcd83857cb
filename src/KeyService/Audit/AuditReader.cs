using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Read-only access to the audit log: queries through the per-node indexes (each query
/// pages through the smallest index it names, checks the other named indexes for each
/// candidate, and reads only the events that pass), and a full scan for verification and tests.
/// </summary>
public sealed class AuditReader
{
    private const int MaxLimit = 10_000;
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;

    public AuditReader(IConnectionMultiplexer redis, string keyPrefix)
    {
        _redis = redis;
        _prefix = keyPrefix;
    }

    /// <summary>Nodes that have written to this log.</summary>
    public async Task<IReadOnlyList<string>> NodesAsync()
    {
        var members = await _redis.GetDatabase().SetMembersAsync(AuditKeys.NodeRegistry(_prefix));
        return [.. members.Select(m => (string)m!).Order(StringComparer.Ordinal)];
    }

    /// <summary>Events matching <paramref name="query"/>, newest first unless <see cref="AuditQuery.OldestFirst"/>.</summary>
    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > MaxLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(query), $"Limit must be between 1 and {MaxLimit}.");
        }

        if (query.KeyVersion is not null && query.KeyClass is null)
        {
            throw new ArgumentException("A key version needs its key class.", nameof(query));
        }

        var nodes = query.Node is { } only ? [only] : await NodesAsync();
        var perNode = await Task.WhenAll(nodes.Select(n => QueryNodeAsync(new AuditKeys(_prefix, n), query, cancellationToken)));
        var merged = perNode.SelectMany(r => r);
        var ordered = query.OldestFirst
            ? merged.OrderBy(r => r.Timestamp).ThenBy(r => r.Node, StringComparer.Ordinal).ThenBy(r => r.Sequence)
            : merged.OrderByDescending(r => r.Timestamp).ThenByDescending(r => r.Node, StringComparer.Ordinal).ThenByDescending(r => r.Sequence);
        return [.. ordered.Take(query.Limit)];
    }

    /// <summary>Every stored event of <paramref name="node"/> in chain order, as stored (raw fields), from after <paramref name="afterStreamId"/>.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadAllAsync(string node, string? afterStreamId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = new AuditKeys(_prefix, node);
        var db = _redis.GetDatabase();
        var from = afterStreamId is null ? "-" : "(" + afterStreamId;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await db.StreamRangeAsync(keys.Events, from, "+", count: 1000);
            foreach (var entry in page)
            {
                yield return new StoredEvent(entry.Id!, RedisKeyEventLog.ToPairs(entry));
            }

            if (page.Length < 1000)
            {
                yield break;
            }

            from = "(" + page[^1].Id;
        }
    }

    /// <summary>Checkpoints of <paramref name="node"/>, oldest first (undecodable ones as null).</summary>
    public async Task<IReadOnlyList<(string StreamId, AuditCheckpoint? Checkpoint, string? Error)>> CheckpointsAsync(string node)
    {
        var keys = new AuditKeys(_prefix, node);
        var entries = await _redis.GetDatabase().StreamRangeAsync(keys.Checkpoints, "-", "+");
        return [.. entries.Select(e =>
        {
            var checkpoint = AuditCheckpointCodec.TryDecode(e.Id!, RedisKeyEventLog.ToPairs(e), out var error);
            return ((string)e.Id!, checkpoint, error);
        })];
    }

    /// <summary>The stored chain head of <paramref name="node"/> (sequence, hash), or null when it has none.</summary>
    public async Task<(long Sequence, string Hash)?> HeadAsync(string node)
    {
        var keys = new AuditKeys(_prefix, node);
        var values = await _redis.GetDatabase().HashGetAsync(keys.Head, ["seq", "h"]);
        if (values[0].IsNull)
        {
            return null;
        }

        return ((long)values[0], (string)values[1]!);
    }

    private async Task<List<AuditRecord>> QueryNodeAsync(AuditKeys keys, AuditQuery query, CancellationToken cancellationToken)
    {
        var indexes = NamedIndexes(keys, query);
        var min = query.Since?.ToUnixTimeMilliseconds() ?? long.MinValue;
        var max = query.Until is { } until ? until.ToUnixTimeMilliseconds() : long.MaxValue;
        var results = new List<AuditRecord>(query.Limit);
        var page = Math.Max(query.Limit, 100);
        var db = _redis.GetDatabase();
        if (indexes.Count == 0)
        {
            // No dimension filter: the node's stream is itself ordered by time.
            var low = min == long.MinValue ? "-" : AuditRecordCodec.FormatStreamId(min, 0);
            var high = max == long.MaxValue ? "+" : "(" + AuditRecordCodec.FormatStreamId(max, 0);
            while (results.Count < query.Limit)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var entries = await db.StreamRangeAsync(keys.Events, low, high, page, query.OldestFirst ? Order.Ascending : Order.Descending);
                foreach (var entry in entries)
                {
                    if (Decode(entry) is { } record && query.Matches(record) && results.Count < query.Limit)
                    {
                        results.Add(record);
                    }
                }

                if (entries.Length < page)
                {
                    break;
                }

                if (query.OldestFirst)
                {
                    low = "(" + entries[^1].Id;
                }
                else
                {
                    high = "(" + entries[^1].Id;
                }
            }

            return results;
        }

        var (index, others) = await ChooseIndexesAsync(db, indexes);
        var skip = 0L;
        var order = query.OldestFirst ? Order.Ascending : Order.Descending;
        var exclude = query.Until is null ? Exclude.None : Exclude.Stop;
        while (results.Count < query.Limit)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var members = await db.SortedSetRangeByScoreWithScoresAsync(index, min == long.MinValue ? double.NegativeInfinity : min, max == long.MaxValue ? double.PositiveInfinity : max, exclude, order, skip, page);
            if (members.Length == 0)
            {
                break;
            }

            // The other named dimensions are checked in their indexes (ZMSCORE) before any
            // event is read, so a combined query reads only the events it returns.
            var candidates = members;
            foreach (var other in others)
            {
                var scores = await db.SortedSetScoresAsync(other, [.. candidates.Select(c => c.Element)]);
                candidates = [.. candidates.Where((_, i) => scores[i] is not null)];
                if (candidates.Length == 0)
                {
                    break;
                }
            }

            // Members are sequence numbers, scores the stream id's milliseconds.
            var fetches = candidates.Select(AuditKeys.StreamIdOf).Select(id => db.StreamRangeAsync(keys.Events, id, id, 1)).ToArray();
            await Task.WhenAll(fetches);
            foreach (var fetch in fetches)
            {
                var entries = fetch.Result;
                if (entries.Length == 1 && Decode(entries[0]) is { } record && query.Matches(record) && results.Count < query.Limit)
                {
                    results.Add(record);
                }
            }

            if (members.Length < page)
            {
                break;
            }

            skip += members.Length;
        }

        return results;
    }

    /// <summary>Every index the query names: object, actor, key version (or class), operation, result (not Ok: unindexed, filtered after reading).</summary>
    private static List<string> NamedIndexes(AuditKeys keys, AuditQuery query)
    {
        var indexes = new List<string>(5);
        if (query.ObjectId is { } objectId)
        {
            indexes.Add(keys.ObjectIndex(objectId));
        }

        if (query.Actor is { } actor)
        {
            indexes.Add(keys.ActorIndex(actor));
        }

        if (query.KeyClass is { } keyClass)
        {
            indexes.Add(query.KeyVersion is { } version ? keys.KeyVersionIndex(keyClass, version) : keys.KeyClassIndex(keyClass));
        }

        if (query.Operation is { } operation)
        {
            indexes.Add(keys.OperationIndex(operation));
        }

        if (query.Result is { } result && AuditKeys.IsIndexed(result))
        {
            indexes.Add(keys.ResultIndex(result));
        }

        return indexes;
    }

    /// <summary>The smallest of the named indexes (ZCARD, O(1) each) to page through, and the others to filter with.</summary>
    private static async Task<(string Index, List<string> Others)> ChooseIndexesAsync(IDatabase db, List<string> indexes)
    {
        if (indexes.Count == 1)
        {
            return (indexes[0], []);
        }

        var sizes = await Task.WhenAll(indexes.Select(i => db.SortedSetLengthAsync(i)));
        var smallest = Array.IndexOf(sizes, sizes.Min());
        return (indexes[smallest], [.. indexes.Where((_, i) => i != smallest)]);
    }

    private static AuditRecord? Decode(StreamEntry entry) =>
        AuditRecordCodec.TryDecode(entry.Id!, RedisKeyEventLog.ToPairs(entry), out _);
}

/// <summary>A stream entry exactly as stored.</summary>
public sealed record StoredEvent(string StreamId, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    /// <summary>The decoded record, or null when the fields are not a well-formed event.</summary>
    public AuditRecord? TryDecode(out string? error) => AuditRecordCodec.TryDecode(StreamId, Fields, out error);
}
