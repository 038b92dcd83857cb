using System.Globalization;
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

        // Index keys are found by SCAN (on every primary, for Cluster) rather than kept in a
        // registry set: a registry would cost a write per index key on every append.
        foreach (var server in _redis.GetServers().Where(s => !s.IsReplica && s.IsConnected))
        {
            await foreach (var key in server.KeysAsync(db.Database, keys.IndexPattern, pageSize: 1000).WithCancellation(cancellationToken))
            {
                await db.SortedSetRemoveRangeByScoreAsync(key, double.NegativeInfinity, lastMs, Exclude.Stop);
                var sameMillisecond = await db.SortedSetRangeByScoreAsync(key, lastMs, lastMs);
                var stale = sameMillisecond.Where(m => long.Parse((string)m!, NumberStyles.None, CultureInfo.InvariantCulture) <= lastSeq).ToArray();
                if (stale.Length > 0)
                {
                    await db.SortedSetRemoveAsync(key, stale);
                }
            }
        }

        return boundary.LastStreamId;
    }
}
