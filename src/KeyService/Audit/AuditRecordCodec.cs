using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Turns records into stream fields and back, and defines the canonical serialisation that
/// the hash chain covers. The canonical form is computed from the stored field strings, so
/// verification hashes exactly what is in Redis, even when it was tampered with.
/// </summary>
internal static class AuditRecordCodec
{
    /// <summary>Every hashed field, in canonical order. <c>h</c> (the event's own hash) is stored but not hashed.</summary>
    public static readonly string[] HashedFields =
    [
        "seq", "node", "t", "actor", "groups", "addr", "client", "op", "kc", "kid", "kv", "obj",
        "rcpt_n", "rcpt_h", "purpose", "pv", "res", "err", "corr", "detail", "prev",
    ];

    public const string HashField = "h";

    /// <summary>Every stored field, in the order they are written: the hashed ones, then <c>h</c>.</summary>
    public static readonly string[] StoredFields = [.. HashedFields, HashField];

    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private static readonly byte[] s_domain = Encoding.ASCII.GetBytes("sovereignty-audit-event-v1\n");

    /// <summary>Builds the stored record for <paramref name="keyEvent"/> at the given chain position.</summary>
    public static AuditRecord Create(KeyEvent keyEvent, string node, long sequence, DateTimeOffset timestamp, string previousHash, long streamMilliseconds)
    {
        var use = keyEvent.Use;
        var recipients = keyEvent.Recipients;
        var record = new AuditRecord
        {
            Node = node,
            Sequence = sequence,
            Timestamp = timestamp,
            Actor = string.IsNullOrEmpty(use.Actor) ? "unknown" : use.Actor,
            Groups = use.Groups,
            ClientAddress = NullIfEmpty(use.ClientAddress),
            ClientSoftware = NullIfEmpty(use.ClientSoftware),
            Operation = keyEvent.Operation,
            KeyClass = keyEvent.KeyClass,
            KeyId = NullIfEmpty(keyEvent.Key?.KeyId),
            KeyVersion = keyEvent.Key?.Version,
            ObjectId = NullIfEmpty(use.ObjectId),
            RecipientCount = recipients?.Count,
            RecipientHashes = recipients is null ? [] : [.. recipients.Select(HashRecipient)],
            Purpose = NullIfEmpty(use.Purpose),
            PolicyVersion = NullIfEmpty(use.PolicyVersion),
            Result = keyEvent.Result,
            ErrorCode = NullIfEmpty(keyEvent.ErrorCode),
            CorrelationId = NullIfEmpty(use.CorrelationId),
            Detail = keyEvent.Detail ?? new Dictionary<string, string>(),
            PreviousHash = previousHash,
            Hash = "",
            StreamId = FormatStreamId(streamMilliseconds, sequence),
        };
        return record with { Hash = ComputeHash(ToValues(record)) };
    }

    /// <summary>SHA-256 of a recipient address, lower-cased and trimmed: lets an auditor who knows an address check it, without storing it.</summary>
    public static string HashRecipient(string address) => RecipientHash.Of(address);

    public static string FormatStreamId(long milliseconds, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{milliseconds}-{sequence}");

    /// <summary>The stored fields of a record, hashed ones in canonical order, then <c>h</c>. Absent and empty values are not stored.</summary>
    public static List<KeyValuePair<string, string>> ToFields(AuditRecord r)
    {
        var values = ToValues(r);
        var fields = new List<KeyValuePair<string, string>>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is { } value)
            {
                fields.Add(new(StoredFields[i], value));
            }
        }

        return fields;
    }

    /// <summary>
    /// The stored values of a record by position in <see cref="StoredFields"/>; null where the
    /// field is not stored (absent or empty: an empty value is never written, so the empty
    /// string can mark an absent field on the append path).
    /// </summary>
    public static string?[] ToValues(AuditRecord r)
    {
        var values = new string?[StoredFields.Length];
        values[0] = r.Sequence.ToString(CultureInfo.InvariantCulture);
        values[1] = NullIfEmpty(r.Node);
        values[2] = r.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        values[3] = NullIfEmpty(r.Actor);
        values[4] = r.Groups.Count == 0 ? null : JsonSerializer.Serialize(r.Groups, AuditJsonContext.Default.IReadOnlyListString);
        values[5] = NullIfEmpty(r.ClientAddress);
        values[6] = NullIfEmpty(r.ClientSoftware);
        values[7] = r.Operation.ToString();
        values[8] = NullIfEmpty(r.KeyClass);
        values[9] = NullIfEmpty(r.KeyId);
        values[10] = r.KeyVersion?.ToString(CultureInfo.InvariantCulture);
        values[11] = NullIfEmpty(r.ObjectId);
        values[12] = r.RecipientCount?.ToString(CultureInfo.InvariantCulture);
        values[13] = r.RecipientHashes.Count == 0 ? null : string.Join(',', r.RecipientHashes);
        values[14] = NullIfEmpty(r.Purpose);
        values[15] = NullIfEmpty(r.PolicyVersion);
        values[16] = r.Result.ToString();
        values[17] = NullIfEmpty(r.ErrorCode);
        values[18] = NullIfEmpty(r.CorrelationId);
        values[19] = r.Detail.Count == 0 ? null : SerializeDetail(r.Detail);
        values[20] = NullIfEmpty(r.PreviousHash);
        values[21] = NullIfEmpty(r.Hash);
        return values;
    }

    /// <summary>
    /// SHA-256 over the canonical form: a domain string, then for each name of
    /// <see cref="HashedFields"/> in order its UTF-8 value with a 4-byte big-endian length
    /// prefix (0xFFFFFFFF for an absent field). Fields not in that list make the record invalid.
    /// </summary>
    public static string ComputeHash(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        var values = new string?[HashedFields.Length];
        var cursor = 0;
        for (var i = 0; i < HashedFields.Length; i++)
        {
            values[i] = FindField(fields, HashedFields[i], ref cursor);
        }

        return ComputeHash(values);
    }

    /// <summary>The same hash from values by position in <see cref="HashedFields"/> (null: absent; <c>h</c>, if given, is ignored).</summary>
    public static string ComputeHash(ReadOnlySpan<string?> values)
    {
        // One buffer, one SHA-256 call: this runs for every event on the append path.
        var size = s_domain.Length + (HashedFields.Length * 4);
        for (var i = 0; i < HashedFields.Length; i++)
        {
            size += values[i] is { } value ? Encoding.UTF8.GetMaxByteCount(value.Length) : 0;
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            s_domain.CopyTo(rented, 0);
            var written = s_domain.Length;
            for (var i = 0; i < HashedFields.Length; i++)
            {
                if (values[i] is not { } value)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(rented.AsSpan(written), uint.MaxValue);
                    written += 4;
                    continue;
                }

                var length = Encoding.UTF8.GetBytes(value, rented.AsSpan(written + 4));
                BinaryPrimitives.WriteUInt32BigEndian(rented.AsSpan(written), (uint)length);
                written += 4 + length;
            }

            return Convert.ToHexStringLower(SHA256.HashData(rented.AsSpan(0, written)));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The value of <paramref name="name"/>: fields written by <see cref="ToFields"/> are in
    /// canonical order, so the search starts where the previous one ended; stored fields in
    /// another order (tampered) are still found by the full scan.
    /// </summary>
    private static string? FindField(IReadOnlyList<KeyValuePair<string, string>> fields, string name, ref int cursor)
    {
        for (var i = cursor; i < fields.Count; i++)
        {
            if (fields[i].Key == name)
            {
                cursor = i + 1;
                return fields[i].Value;
            }
        }

        for (var i = 0; i < cursor && i < fields.Count; i++)
        {
            if (fields[i].Key == name)
            {
                return fields[i].Value;
            }
        }

        return null;
    }

    /// <summary>Decodes stored fields, or returns null with the reason when they are not a well-formed event.</summary>
    public static AuditRecord? TryDecode(string streamId, IReadOnlyList<KeyValuePair<string, string>> fields, out string? error)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if (field.Key == StoredEventEntry.Field)
            {
                error = $"the entry's '{StoredEventEntry.Field}' value is not a JSON array of one string or null per stored field";
                return null;
            }

            if (field.Key != HashField && Array.IndexOf(HashedFields, field.Key) < 0)
            {
                error = $"unexpected field '{field.Key}'";
                return null;
            }

            if (!map.TryAdd(field.Key, field.Value))
            {
                error = $"duplicate field '{field.Key}'";
                return null;
            }
        }

        try
        {
            string? Get(string name) => map.TryGetValue(name, out var v) ? v : null;
            string Required(string name) => Get(name) ?? throw new FormatException($"missing field '{name}'");

            var record = new AuditRecord
            {
                StreamId = streamId,
                Sequence = long.Parse(Required("seq"), NumberStyles.None, CultureInfo.InvariantCulture),
                Node = Required("node"),
                Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(Required("t"), NumberStyles.None, CultureInfo.InvariantCulture)),
                Actor = Required("actor"),
                Groups = Get("groups") is { } g ? JsonSerializer.Deserialize(g, AuditJsonContext.Default.IReadOnlyListString) ?? [] : [],
                ClientAddress = Get("addr"),
                ClientSoftware = Get("client"),
                Operation = Enum.Parse<KeyOperation>(Required("op")),
                KeyClass = Required("kc"),
                KeyId = Get("kid"),
                KeyVersion = Get("kv") is { } kv ? int.Parse(kv, NumberStyles.None, CultureInfo.InvariantCulture) : null,
                ObjectId = Get("obj"),
                RecipientCount = Get("rcpt_n") is { } n ? int.Parse(n, NumberStyles.None, CultureInfo.InvariantCulture) : null,
                RecipientHashes = Get("rcpt_h") is { } rh ? rh.Split(',') : [],
                Purpose = Get("purpose"),
                PolicyVersion = Get("pv"),
                Result = Enum.Parse<KeyEventResult>(Required("res")),
                ErrorCode = Get("err"),
                CorrelationId = Get("corr"),
                Detail = Get("detail") is { } d ? JsonSerializer.Deserialize(d, AuditJsonContext.Default.DictionaryStringString) ?? [] : new Dictionary<string, string>(),
                PreviousHash = Required("prev"),
                Hash = Get(HashField) ?? "",
            };
            error = null;
            return record;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or JsonException or OverflowException)
        {
            error = ex.Message;
            return null;
        }
    }

    private static string SerializeDetail(IReadOnlyDictionary<string, string> detail)
    {
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in detail)
        {
            sorted[key] = value;
        }

        return JsonSerializer.Serialize(sorted, AuditJsonContext.Default.SortedDictionaryStringString);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
