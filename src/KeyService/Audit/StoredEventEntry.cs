using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// The shape of an event's stream entry: one field <c>e</c> whose value is a JSON array of the
/// stored values by position in <see cref="AuditRecordCodec.StoredFields"/> (strings, null
/// for an absent field), e.g. <c>e ["1","gw-1","1764374400000","alice",null,…,"…"]</c>.
/// One field instead of one per name: Redis parses, scripts, stores and writes to its
/// append-only file three arguments per event instead of some forty-five, the largest share
/// of its CPU time per event (see performance.md). Positions rather than names keep the
/// value short (an object would repeat every name in every entry). Entries written before
/// this format, with one stream field per name, are still read: both give the same field
/// list, and the hash chain covers the field values, not their encoding.
/// </summary>
internal static class StoredEventEntry
{
    /// <summary>The single field of an event's stream entry.</summary>
    public const string Field = "e";

    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        // Readable non-ASCII in `redis-cli XRANGE`; the value is never embedded in HTML.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The packed value for values by position in <see cref="AuditRecordCodec.StoredFields"/> (null: absent).</summary>
    public static byte[] Pack(ReadOnlySpan<string?> values)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                if (value is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(value);
                }
            }

            writer.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The packed value of stored fields given by name (tests and tools rewriting entries); every name must be a stored field.</summary>
    public static byte[] Pack(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var values = new string?[AuditRecordCodec.StoredFields.Length];
        foreach (var (name, value) in fields)
        {
            var position = Array.IndexOf(AuditRecordCodec.StoredFields, name);
            if (position < 0)
            {
                throw new ArgumentException($"'{name}' is not a stored field of an event.", nameof(fields));
            }

            values[position] = value;
        }

        return Pack(values);
    }

    /// <summary>
    /// The stored fields of an entry, in stored order. A packed value that is not a JSON array
    /// of exactly one string or null per stored field comes back as the single pair
    /// (<c>e</c>, value), which decoding reports as malformed: a tampered entry is a finding,
    /// never an exception that stops verification.
    /// </summary>
    public static List<KeyValuePair<string, string>> Fields(StreamEntry entry)
    {
        var values = entry.Values;
        if (values.Length == 1 && values[0].Name == Field)
        {
            var packed = (byte[])values[0].Value!;
            return TryUnpack(packed) ?? [new(Field, (string)values[0].Value!)];
        }

        return [.. values.Select(v => new KeyValuePair<string, string>(v.Name!, v.Value!))];
    }

    private static List<KeyValuePair<string, string>>? TryUnpack(byte[] packed)
    {
        var names = AuditRecordCodec.StoredFields;
        try
        {
            var reader = new Utf8JsonReader(packed);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return null;
            }

            var fields = new List<KeyValuePair<string, string>>(names.Length);
            var position = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (position == names.Length)
                {
                    return null;
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.String:
                        fields.Add(new(names[position], reader.GetString()!));
                        break;
                    case JsonTokenType.Null:
                        break;
                    default:
                        return null;
                }

                position++;
            }

            // One value per stored field, and the array is the whole value.
            return reader.TokenType == JsonTokenType.EndArray && position == names.Length && !reader.Read() ? fields : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is not valid UTF-8 (GetString).
            return null;
        }
    }
}
