namespace Sovereignty.KeyService.Audit;

/// <summary>The local journal: batches that Redis could not take, kept on disk and written to Redis in order once it is back.</summary>
internal sealed partial class RedisKeyEventLog
{
    private void Journal(List<PendingEvent> batch, List<AuditRecord> records)
    {
        if (TryJournal(batch, records))
        {
            Commit(records);
            Complete(batch);
        }
    }

    /// <summary>Journals a batch whose records were already committed to the in-memory head when it was sent.</summary>
    private void JournalSent(List<PendingEvent> batch, List<AuditRecord> records)
    {
        if (TryJournal(batch, records))
        {
            Complete(batch);
            return;
        }

        // The in-memory head already covers this batch: read it again before chaining more.
        _headKnown = false;
        _predecessorFailed = true;
    }

    private bool TryJournal(List<PendingEvent> batch, List<AuditRecord> records)
    {
        if (!_journal!.TryAppend(records))
        {
            AuditLog.JournalFull(_logger, Node);
            Fail(batch, new KeyServiceException(KeyErrorKind.Unavailable, "The audit log (Redis) is unavailable and the local audit journal is full: the key operation was not performed."));
            return false;
        }

        AuditLog.Journaled(_logger, Node, records.Count, _journal.Bytes);
        return true;
    }

    /// <summary>Writes journaled events to Redis in order; entries Redis already has (same node, sequence) are skipped.</summary>
    private async Task FlushJournalAsync()
    {
        if (_journal is not { Entries.Count: > 0 })
        {
            return;
        }

        await DrainAsync();
        try
        {
            EnsureConnected();
            var db = _redis.GetDatabase();
            var head = await db.HashGetAsync(_keys.Head, "seq");
            var stored = head.IsNull ? 0 : (long)head;
            var records = new List<AuditRecord>(_journal.Entries.Count);
            foreach (var entry in _journal.Entries)
            {
                var record = DecodeJournalEntry(entry, out var error)
                    ?? throw new InvalidDataException($"Audit journal entry {entry.Id} is unreadable: {error}");
                if (record.Sequence > stored)
                {
                    records.Add(record);
                }
            }

            var written = 0;
            foreach (var chunk in records.Chunk(_options.MaxBatch))
            {
                await WriteAsync(chunk, stored);
                stored = chunk[^1].Sequence;
                written += chunk.Length;
            }

            _journal.Clear();
            AuditLog.JournalFlushed(_logger, Node, written);

            // The head may have come from the journal while Redis was down: Redis is authoritative again.
            _headKnown = false;
            await TryLoadHeadAsync();
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            // Still down (or a partial flush): the journal keeps everything; the next try skips what Redis already has.
        }
    }

    /// <summary>The record a journal entry holds, or null with the reason when it is unreadable.</summary>
    private static AuditRecord? DecodeJournalEntry(JournalEntry entry, out string? error)
    {
        var fields = new List<KeyValuePair<string, string>>(entry.Fields.Length / 2);
        for (var i = 0; i + 1 < entry.Fields.Length; i += 2)
        {
            fields.Add(new(entry.Fields[i], entry.Fields[i + 1]));
        }

        return AuditRecordCodec.TryDecode(entry.Id, fields, out error);
    }
}
