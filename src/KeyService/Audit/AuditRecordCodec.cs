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
        var fields = ToFields(record);
        return record with { Hash = ComputeHash(fields) };
    }

    /// <summary>SHA-256 of a recipient address, lower-cased and trimmed: lets an auditor who knows an address check it, without storing it.</summary>
    public static string HashRecipient(string address) => RecipientHash.Of(address);

    public static string FormatStreamId(long milliseconds, long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{milliseconds}-{sequence}");

    /// <summary>The stored fields of a record, hashed ones in canonical order, then <c>h</c>. Null values are not stored.</summary>
    public static List<KeyValuePair<string, string>> ToFields(AuditRecord r)
    {
        var fields = new List<KeyValuePair<string, string>>(22);
        void Add(string name, string? value)
        {
            if (value is not null)
            {
                fields.Add(new(name, value));
            }
        }

        Add("seq", r.Sequence.ToString(CultureInfo.InvariantCulture));
        Add("node", r.Node);
        Add("t", r.Timestamp.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        Add("actor", r.Actor);
        Add("groups", r.Groups.Count == 0 ? null : JsonSerializer.Serialize(r.Groups, AuditJsonContext.Default.IReadOnlyListString));
        Add("addr", r.ClientAddress);
        Add("client", r.ClientSoftware);
        Add("op", r.Operation.ToString());
        Add("kc", r.KeyClass);
        Add("kid", r.KeyId);
        Add("kv", r.KeyVersion?.ToString(CultureInfo.InvariantCulture));
        Add("obj", r.ObjectId);
        Add("rcpt_n", r.RecipientCount?.ToString(CultureInfo.InvariantCulture));
        Add("rcpt_h", r.RecipientHashes.Count == 0 ? null : string.Join(',', r.RecipientHashes));
        Add("purpose", r.Purpose);
        Add("pv", r.PolicyVersion);
        Add("res", r.Result.ToString());
        Add("err", r.ErrorCode);
        Add("corr", r.CorrelationId);
        Add("detail", r.Detail.Count == 0 ? null : SerializeDetail(r.Detail));
        Add("prev", r.PreviousHash);
        if (r.Hash.Length > 0)
        {
            Add(HashField, r.Hash);
        }

        return fields;
    }

    /// <summary>
    /// SHA-256 over the canonical form: a domain string, then for each name of
    /// <see cref="HashedFields"/> in order its UTF-8 value with a 4-byte big-endian length
    /// prefix (0xFFFFFFFF for an absent field). Fields not in that list make the record invalid.
    /// </summary>
    public static string ComputeHash(IReadOnlyList<KeyValuePair<string, string>> fields)
    {
        // One buffer, one SHA-256 call: this runs for every event on the append path.
        var size = s_domain.Length + (HashedFields.Length * 4);
        foreach (var field in fields)
        {
            size += Encoding.UTF8.GetMaxByteCount(field.Value.Length);
        }

        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            s_domain.CopyTo(rented, 0);
            var written = s_domain.Length;
            var cursor = 0;
            foreach (var name in HashedFields)
            {
                var value = FindField(fields, name, ref cursor);
                if (value is null)
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
