using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text.Json;

namespace Sovereignty.KeyService.Audit;

/// <summary>One journaled event: its stream id and stored fields (name, value, name, value ...).</summary>
internal sealed record JournalEntry(string Id, string[] Fields);

/// <summary>
/// A local, bounded, fsync'd file that holds events (already numbered and chained) while
/// Redis is unreachable. Frames are <c>[length:4][crc32:4][json]</c>; a torn last frame
/// after a crash is cut off on open. Only the writer loop touches it.
/// </summary>
internal sealed class AuditJournal : IDisposable
{
    private readonly FileStream _file;
    private readonly long _maxBytes;
    private readonly List<JournalEntry> _entries = [];

    public AuditJournal(string path, long maxBytes)
    {
        _maxBytes = maxBytes;
        var directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        Load();
    }

    /// <summary>Journaled events not yet flushed to Redis, in chain order.</summary>
    public IReadOnlyList<JournalEntry> Entries => _entries;

    public long Bytes => _file.Length;

    /// <summary>Appends the records and fsyncs; false (and nothing written) when that would exceed the bound.</summary>
    public bool TryAppend(IReadOnlyList<AuditRecord> records)
    {
        using var buffer = new MemoryStream();
        var added = new List<JournalEntry>(records.Count);
        Span<byte> header = stackalloc byte[8];
        foreach (var record in records)
        {
            var fields = AuditRecordCodec.ToFields(record);
            var flat = new string[fields.Count * 2];
            for (var i = 0; i < fields.Count; i++)
            {
                flat[2 * i] = fields[i].Key;
                flat[(2 * i) + 1] = fields[i].Value;
            }

            var entry = new JournalEntry(record.StreamId, flat);
            var payload = JsonSerializer.SerializeToUtf8Bytes(entry, AuditJsonContext.Default.JournalEntry);
            BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
            BinaryPrimitives.WriteUInt32BigEndian(header[4..], Crc32.HashToUInt32(payload));
            buffer.Write(header);
            buffer.Write(payload);
            added.Add(entry);
        }

        if (_file.Length + buffer.Length > _maxBytes)
        {
            return false;
        }

        _file.Seek(0, SeekOrigin.End);
        buffer.Position = 0;
        buffer.CopyTo(_file);
        _file.Flush(flushToDisk: true);
        _entries.AddRange(added);
        return true;
    }

    /// <summary>Forgets everything (all of it is in Redis now) and fsyncs the empty file.</summary>
    public void Clear()
    {
        _file.SetLength(0);
        _file.Flush(flushToDisk: true);
        _entries.Clear();
    }

    public void Dispose() => _file.Dispose();

    private void Load()
    {
        _file.Seek(0, SeekOrigin.Begin);
        var header = new byte[8];
        long good = 0;
        while (true)
        {
            if (_file.ReadAtLeast(header, 8, throwOnEndOfStream: false) < 8)
            {
                break;
            }

            var length = BinaryPrimitives.ReadInt32BigEndian(header);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4));
            if (length <= 0 || length > _maxBytes)
            {
                break;
            }

            var payload = new byte[length];
            if (_file.ReadAtLeast(payload, length, throwOnEndOfStream: false) < length || Crc32.HashToUInt32(payload) != crc)
            {
                break;
            }

            var entry = JsonSerializer.Deserialize(payload, AuditJsonContext.Default.JournalEntry);
            if (entry is null)
            {
                break;
            }

            _entries.Add(entry);
            good = _file.Position;
        }

        if (good != _file.Length)
        {
            // A torn frame from a crash mid-append: its caller never got an answer, so dropping it loses no acknowledged event.
            _file.SetLength(good);
            _file.Flush(flushToDisk: true);
        }
    }
}
