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
    //       eventCount x [ms, seq, packed entry (StoredEventEntry)],
    //       zsetCount, zsetCount x [keyIndex, eventCount, event, ...],
    //       hashCount, hashCount x [keyIndex, fieldCount, field, ..., increment, ...].
    // An event is one packed value, not a name/value pair per field: Redis parses, converts
    // into the script, stores and feeds to its append-only file three arguments per event
    // instead of ~45 (that was most of its CPU time per event; see performance.md).
    // The stream id is ms-seq; an index entry names its event by its position in the batch
    // and gets member seq, score ms (the stream id is score-member), so index entries cost
    // one short argument each and one ZADD per key per batch. A counter hash is read (HMGET)
    // and written back (HSET) once per batch, not incremented once per field, and gets one
    // EXPIRE per batch; a stored count that is not a number (tampered) counts as 0 instead
    // of failing the script after its XADDs.
    // Every key carries the node's hash tag, so the script is valid in Redis Cluster.
    // Redis runs a script atomically; the only command that can fail is the first XADD
    // (an id not above the last one), which then fails before anything was written.
    public static readonly string Lua = $$"""
        local KEYS, ARGV, call = KEYS, ARGV, redis.call
        local cur = call('HGET', KEYS[2], 'seq') or '0'
        if cur ~= ARGV[1] then
          return redis.error_reply('AUDITSEQ head is ' .. cur .. ', batch expected ' .. ARGV[1])
        end
        local n = tonumber(ARGV[6])
        local ms, seq, f = {}, {}, {}
        local i = 7
        for e = 1, n do
          ms[e] = ARGV[i]
          seq[e] = ARGV[i + 1]
          call('XADD', KEYS[1], ms[e] .. '-' .. seq[e], '{{StoredEventEntry.Field}}', ARGV[i + 2])
          i = i + 3
        end
        local zc = tonumber(ARGV[i]); i = i + 1
        for z = 1, zc do
          local k = KEYS[tonumber(ARGV[i])]
          local np = tonumber(ARGV[i + 1])
          for p = 1, np do
            local e = tonumber(ARGV[i + 1 + p])
            f[2 * p - 1] = ms[e]
            f[2 * p] = seq[e]
          end
          call('ZADD', k, unpack(f, 1, 2 * np))
          i = i + 2 + np
        end
        local hc = tonumber(ARGV[i]); i = i + 1
        for h = 1, hc do
          local k = KEYS[tonumber(ARGV[i])]
          local nc = tonumber(ARGV[i + 1])
          local old = call('HMGET', k, unpack(ARGV, i + 2, i + 1 + nc))
          for c = 1, nc do
            f[2 * c - 1] = ARGV[i + 1 + c]
            f[2 * c] = (tonumber(old[c]) or 0) + tonumber(ARGV[i + 1 + nc + c])
          end
          call('HSET', k, unpack(f, 1, 2 * nc))
          if ARGV[5] ~= '0' then call('EXPIRE', k, ARGV[5]) end
          i = i + 2 + 2 * nc
        end
        call('HSET', KEYS[2], 'seq', ARGV[2], 'h', ARGV[3], 'ms', ARGV[4])
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

        // Index key -> positions (1-based) of its events in the batch.
        var zsets = new Dictionary<int, List<int>>();
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

        var args = new List<RedisValue>(8 + (records.Count * 12));
        var last = records[^1];
        args.Add(expectedSequence);
        args.Add(last.Sequence);
        args.Add(last.Hash);
        args.Add(StreamMilliseconds(last.StreamId));
        args.Add(counterTtlSeconds);
        args.Add(records.Count);
        for (var position = 1; position <= records.Count; position++)
        {
            var record = records[position - 1];

            // The script writes the stream id as ms-seq from the values: it must be the record's.
            if (StreamSequence(record.StreamId) != record.Sequence)
            {
                throw new InvalidOperationException($"Audit record {record.Sequence} has the stream id {record.StreamId}.");
            }

            args.Add(StreamMilliseconds(record.StreamId));
            args.Add(record.Sequence);
            args.Add(StoredEventEntry.Pack(AuditRecordCodec.ToValues(record)));

            foreach (var index in keys.IndexesOf(record))
            {
                var k = IndexOf(index);
                if (!zsets.TryGetValue(k, out var events))
                {
                    events = [];
                    zsets.Add(k, events);
                }

                events.Add(position);
            }

            Count(IndexOf(keys.HourlyUses(record.Timestamp)), record.Actor);
            if (AuditKeys.IsDecrypt(record.Operation) && record.Result == KeyEventResult.Ok)
            {
                Count(IndexOf(keys.DailyDecrypts(record.Timestamp.UtcDateTime.Date)), record.Actor);
            }
        }

        args.Add(zsets.Count);
        foreach (var (key, events) in zsets)
        {
            args.Add(key);
            args.Add(events.Count);
            foreach (var position in events)
            {
                args.Add(position);
            }
        }

        args.Add(counters.Count);
        foreach (var (key, fields) in counters)
        {
            args.Add(key);
            args.Add(fields.Count);
            foreach (var field in fields.Keys)
            {
                args.Add(field);
            }

            foreach (var increment in fields.Values)
            {
                args.Add(increment);
            }
        }

        return ([.. keyList], [.. args]);
    }

    public static long StreamMilliseconds(string streamId) =>
        long.Parse(streamId.AsSpan(0, streamId.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);

    public static long StreamSequence(string streamId) =>
        long.Parse(streamId.AsSpan(streamId.IndexOf('-', StringComparison.Ordinal) + 1), NumberStyles.None, CultureInfo.InvariantCulture);
}
