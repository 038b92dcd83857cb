using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Trims events older than the retention period, always at a checkpoint boundary: the
/// newest checkpoint that ends before the cut-off stays, and everything it covers goes
/// (events, their index entries, older checkpoints). Verification then starts from that
/// checkpoint's signed head, so a trimmed log still verifies.
/// </summary>
public sealed class AuditRetention
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _prefix;

    public AuditRetention(IConnectionMultiplexer redis, string keyPrefix)
    {
        _redis = redis;
        _prefix = keyPrefix;
    }

    /// <summary>Trims <paramref name="node"/> up to the last checkpoint before <paramref name="cutoff"/>; returns the last trimmed stream id, or null when nothing qualified.</summary>
    public async Task<string?> TrimAsync(string node, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        var keys = new AuditKeys(_prefix, node);
        var db = _redis.GetDatabase();
        var entries = await db.StreamRangeAsync(keys.Checkpoints, "-", "+");
        AuditCheckpoint? boundary = null;
        foreach (var entry in entries)
        {
            var checkpoint = AuditCheckpointCodec.TryDecode(entry.Id!, RedisKeyEventLog.ToPairs(entry), out _);
            if (checkpoint is not null && checkpoint.LastTime < cutoff)
            {
                boundary = checkpoint;
            }
        }

        if (boundary is null)
        {
            return null;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var lastMs = AppendScript.StreamMilliseconds(boundary.LastStreamId);
        var lastSeq = AppendScript.StreamSequence(boundary.LastStreamId);
        var minId = AuditRecordCodec.FormatStreamId(lastMs, lastSeq + 1);
        await db.ExecuteAsync("XTRIM", (RedisKey)keys.Events, "MINID", minId);
        await db.ExecuteAsync("XTRIM", (RedisKey)keys.Checkpoints, "MINID", boundary.StreamId);

        await foreach (var member in db.SetScanAsync(keys.Indexes, pageSize: 500).WithCancellation(cancellationToken))
        {
            RedisKey index = (string)member!;
            await db.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, lastMs, Exclude.Stop);
            var sameMillisecond = await db.SortedSetRangeByScoreAsync(index, lastMs, lastMs);
            var stale = sameMillisecond.Where(m => AppendScript.StreamSequence(m!) <= lastSeq).ToArray();
            if (stale.Length > 0)
            {
                await db.SortedSetRemoveAsync(index, stale);
            }

            if (await db.SortedSetLengthAsync(index) == 0)
            {
                await db.SetRemoveAsync(keys.Indexes, member);
            }
        }

        return boundary.LastStreamId;
    }
}
