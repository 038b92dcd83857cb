using System.Globalization;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>Reading the chain head (and what the last checkpoint left unsigned) from Redis, or from the journal while Redis is down.</summary>
internal sealed partial class RedisKeyEventLog
{
    private async Task<bool> TryLoadHeadAsync()
    {
        try
        {
            EnsureConnected();
            var db = _redis.GetDatabase();
            await db.SetAddAsync(AuditKeys.NodeRegistry(_options.KeyPrefix), Node);
            var head = await db.HashGetAllAsync(_keys.Head);
            var map = head.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
            _headSequence = map.TryGetValue("seq", out var seq) ? long.Parse(seq, CultureInfo.InvariantCulture) : 0;
            _headHash = map.TryGetValue("h", out var h) ? h : AuditRecordCodec.GenesisHash;
            _headMilliseconds = map.TryGetValue("ms", out var ms) ? long.Parse(ms, CultureInfo.InvariantCulture) : 0;

            var checkpoints = await db.StreamRangeAsync(_keys.Checkpoints, "-", "+", count: 1, messageOrder: Order.Descending);
            AuditCheckpoint? last = null;
            if (checkpoints.Length == 1)
            {
                last = AuditCheckpointCodec.TryDecode(checkpoints[0].Id!, ToPairs(checkpoints[0]), out _);
            }

            _checkpointNumber = last?.Number ?? 0;
            _checkpointSignature = last?.Signature ?? "";
            var signedUpTo = last?.LastSequence ?? 0;
            _unsignedCount = _headSequence - signedUpTo;
            if (_unsignedCount > 0)
            {
                var after = last is null ? "-" : "(" + last.LastStreamId;
                var first = await db.StreamRangeAsync(_keys.Events, after, "+", count: 1);
                var record = first.Length == 1 ? AuditRecordCodec.TryDecode(first[0].Id!, ToPairs(first[0]), out _) : null;
                _unsignedFirstSequence = record?.Sequence ?? signedUpTo + 1;
                _unsignedFirstTime = record?.Timestamp ?? _time.GetUtcNow();
            }

            _headTime = DateTimeOffset.FromUnixTimeMilliseconds(_headMilliseconds);
            _headKnown = true;
            _predecessorFailed = false;
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            if (_journal is { Entries.Count: > 0 } && !_headKnown)
            {
                // Redis is down but the journal holds the newest part of the chain: continue from it.
                if (DecodeJournalEntry(_journal.Entries[^1], out _) is { } record)
                {
                    _headSequence = record.Sequence;
                    _headHash = record.Hash;
                    _headMilliseconds = AppendScript.StreamMilliseconds(record.StreamId);
                    _headTime = record.Timestamp;
                    _headKnown = true;
                    _predecessorFailed = false;
                }
            }
        }

        if (_headKnown && _journal is { Entries.Count: > 0 })
        {
            // The journal may be ahead of Redis (written during an outage before a restart).
            var lastEntry = _journal.Entries[^1];
            var sequence = AppendScript.StreamSequence(lastEntry.Id);
            if (sequence > _headSequence)
            {
                var record = DecodeJournalEntry(lastEntry, out _)!;
                _unsignedCount += sequence - _headSequence;
                _headSequence = sequence;
                _headHash = record.Hash;
                _headMilliseconds = AppendScript.StreamMilliseconds(record.StreamId);
                _headTime = record.Timestamp;
            }
        }

        return _headKnown;
    }
}
