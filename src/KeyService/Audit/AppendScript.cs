using System.Globalization;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// The Lua script that appends a batch of events, their index entries, the activity
/// counters and the new chain head in one atomic step. It refuses the batch when the
/// stored head is not the one the batch was chained to (another writer with the same node
/// id, or an unexpected state after an outage), so a chain never forks.
/// </summary>
internal static class AppendScript
{
    // KEYS[1] events stream, KEYS[2] head hash, KEYS[3..] index and counter keys.
    // ARGV: expectedSeq, newSeq, newHash, newMs, counterTtlSeconds, eventCount,
    //       eventCount x [id, 2*fieldCount, name, value, ...],
    //       zsetCount, zsetCount x [keyIndex, pairCount, score, member, ...],
    //       hashCount, hashCount x [keyIndex, fieldCount, field, increment, ...].
    // Index members are chain sequence numbers and scores the stream id's milliseconds, so
    // the stream id is score-member: short members keep the script's arguments and Redis's
    // memory small. Each counter hash gets one EXPIRE per batch, not one per increment.
    // Every key carries the node's hash tag, so the script is valid in Redis Cluster.
    // Redis runs a script atomically; the only command that can fail is the first XADD
    // (an id not above the last one), which then fails before anything was written.
    public const string Lua = """
        local cur = redis.call('HGET', KEYS[2], 'seq') or '0'
        if cur ~= ARGV[1] then
          return redis.error_reply('AUDITSEQ head is ' .. cur .. ', batch expected ' .. ARGV[1])
        end
        local n = tonumber(ARGV[6])
        local i = 7
        for e = 1, n do
          local nf = tonumber(ARGV[i + 1])
          redis.call('XADD', KEYS[1], ARGV[i], unpack(ARGV, i + 2, i + 1 + nf))
          i = i + 2 + nf
        end
        local zc = tonumber(ARGV[i]); i = i + 1
        for z = 1, zc do
          local k = KEYS[tonumber(ARGV[i])]
          local np = tonumber(ARGV[i + 1])
          redis.call('ZADD', k, unpack(ARGV, i + 2, i + 1 + np * 2))
          i = i + 2 + np * 2
        end
        local hc = tonumber(ARGV[i]); i = i + 1
        for h = 1, hc do
          local k = KEYS[tonumber(ARGV[i])]
          local nc = tonumber(ARGV[i + 1])
          for c = 1, nc do
            redis.call('HINCRBY', k, ARGV[i + 2 * c], ARGV[i + 2 * c + 1])
          end
          if ARGV[5] ~= '0' then redis.call('EXPIRE', k, ARGV[5]) end
          i = i + 2 + 2 * nc
        end
        redis.call('HSET', KEYS[2], 'seq', ARGV[2], 'h', ARGV[3], 'ms', ARGV[4])
        return n
        """;

    /// <summary>Keys and arguments for one batch, chained to the stored head <paramref name="expectedSequence"/>.</summary>
    public static (RedisKey[] Keys, RedisValue[] Args) Build(AuditKeys keys, IReadOnlyList<AuditRecord> records, long expectedSequence, long counterTtlSeconds)
    {
        var keyList = new List<RedisKey> { keys.Events, keys.Head };
        var keyIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        int IndexOf(string key)
        {
            if (!keyIndex.TryGetValue(key, out var index))
            {
                keyList.Add(key);
                index = keyList.Count; // Lua KEYS are 1-based.
                keyIndex.Add(key, index);
            }

            return index;
        }

        var zsets = new Dictionary<int, List<(long Score, string Member)>>();
        var counters = new Dictionary<int, Dictionary<string, long>>();
        void Count(int key, string field)
        {
            if (!counters.TryGetValue(key, out var fields))
            {
                fields = new Dictionary<string, long>(StringComparer.Ordinal);
                counters.Add(key, fields);
            }

            fields[field] = fields.GetValueOrDefault(field) + 1;
        }

        var args = new List<RedisValue>(records.Count * 48);
        var last = records[^1];
        args.Add(L(expectedSequence));
        args.Add(L(last.Sequence));
        args.Add(last.Hash);
        args.Add(L(StreamMilliseconds(last.StreamId)));
        args.Add(L(counterTtlSeconds));
        args.Add(records.Count);
        foreach (var record in records)
        {
            var fields = AuditRecordCodec.ToFields(record);
            args.Add(record.StreamId);
            args.Add(fields.Count * 2);
            foreach (var field in fields)
            {
                args.Add(field.Key);
                args.Add(field.Value);
            }

            var score = StreamMilliseconds(record.StreamId);
            var member = L(record.Sequence);
            foreach (var index in keys.IndexesOf(record))
            {
                var k = IndexOf(index);
                if (!zsets.TryGetValue(k, out var members))
                {
                    members = [];
                    zsets.Add(k, members);
                }

                members.Add((score, member));
            }

            Count(IndexOf(keys.HourlyUses(record.Timestamp)), record.Actor);
            if (AuditKeys.IsDecrypt(record.Operation) && record.Result == KeyEventResult.Ok)
            {
                Count(IndexOf(keys.DailyDecrypts(record.Timestamp.UtcDateTime.Date)), record.Actor);
            }
        }

        args.Add(zsets.Count);
        foreach (var (key, members) in zsets)
        {
            args.Add(key);
            args.Add(members.Count);
            foreach (var (score, member) in members)
            {
                args.Add(score);
                args.Add(member);
            }
        }

        args.Add(counters.Count);
        foreach (var (key, fields) in counters)
        {
            args.Add(key);
            args.Add(fields.Count);
            foreach (var (field, increment) in fields)
            {
                args.Add(field);
                args.Add(increment);
            }
        }

        return ([.. keyList], [.. args]);
    }

    public static long StreamMilliseconds(string streamId) =>
        long.Parse(streamId.AsSpan(0, streamId.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);

    public static long StreamSequence(string streamId) =>
        long.Parse(streamId.AsSpan(streamId.IndexOf('-', StringComparison.Ordinal) + 1), NumberStyles.None, CultureInfo.InvariantCulture);

    private static string L(long value) => value.ToString(CultureInfo.InvariantCulture);
}
