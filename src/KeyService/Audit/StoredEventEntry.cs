using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// The shape of an event's stream entry: one field <c>e</c> whose value is a JSON object of
/// the stored fields (<see cref="AuditRecordCodec.StoredFields"/> names, canonical order,
/// string values, absent fields left out), e.g. <c>e {"seq":"1","node":"gw-1",…,"h":"…"}</c>.
/// One field instead of one per name: Redis parses, scripts, stores and writes to its
/// append-only file three arguments per event instead of some thirty, the largest share of
/// its CPU time per event (see performance.md). Entries written before this format, with
/// one stream field per name, are still read: both give the same field list, and the hash
/// chain covers the field values, not their encoding.
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
            writer.WriteStartObject();
            for (var i = 0; i < values.Length; i++)
            {
                if (values[i] is { } value)
                {
                    writer.WriteString(AuditRecordCodec.StoredFields[i], value);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The packed value of arbitrary fields, in the order given (tests and tools rewriting entries).</summary>
    public static byte[] Pack(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The stored fields of an entry, in stored order, duplicates kept (decoding refuses them).
    /// A packed value that is not a flat JSON object of strings comes back as the single pair
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
        try
        {
            var reader = new Utf8JsonReader(packed);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            var fields = new List<KeyValuePair<string, string>>(AuditRecordCodec.StoredFields.Length);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read() || reader.TokenType != JsonTokenType.String)
                {
                    return null;
                }

                fields.Add(new(name, reader.GetString()!));
            }

            // The object must be closed and be the whole value.
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read() ? fields : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
