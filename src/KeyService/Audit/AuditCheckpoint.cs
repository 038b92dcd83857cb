using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// A signed statement about a node's chain: "events <see cref="FirstSequence"/> to
/// <see cref="LastSequence"/> end with hash <see cref="HeadHash"/>". Each checkpoint also
/// signs the previous checkpoint's signature, so checkpoints form a chain of their own.
/// </summary>
public sealed record AuditCheckpoint
{
    public required string Node { get; init; }

    /// <summary>Checkpoint number on this node, from 1.</summary>
    public required long Number { get; init; }

    public required long FirstSequence { get; init; }

    public required long LastSequence { get; init; }

    public required long Count { get; init; }

    public required DateTimeOffset FirstTime { get; init; }

    public required DateTimeOffset LastTime { get; init; }

    /// <summary>Hash of the event <see cref="LastSequence"/>.</summary>
    public required string HeadHash { get; init; }

    /// <summary>Stream id of the event <see cref="LastSequence"/> (where verification and trimming resume).</summary>
    public required string LastStreamId { get; init; }

    /// <summary>Base64 signature of the previous checkpoint; empty for the first.</summary>
    public required string PreviousSignature { get; init; }

    public required string SigningKeyId { get; init; }

    public required DateTimeOffset SignedAt { get; init; }

    /// <summary>Base64 RSA PKCS#1 v1.5 SHA-256 signature over <see cref="AuditCheckpointCodec.SignedBytes"/>.</summary>
    public string Signature { get; init; } = "";

    public string StreamId { get; init; } = "";
}

/// <summary>Stored form and signed bytes of checkpoints.</summary>
internal static class AuditCheckpointCodec
{
    private static readonly byte[] s_domain = Encoding.ASCII.GetBytes("sovereignty-audit-checkpoint-v1\n");

    public static List<KeyValuePair<string, string>> ToFields(AuditCheckpoint c)
    {
        var fields = SignedFields(c);
        fields.Add(new("sig", c.Signature));
        return fields;
    }

    /// <summary>Canonical bytes that are signed: a domain string, then each signed field's UTF-8 value with a 4-byte big-endian length.</summary>
    public static byte[] SignedBytes(AuditCheckpoint c)
    {
        using var buffer = new MemoryStream();
        buffer.Write(s_domain);
        Span<byte> length = stackalloc byte[4];
        foreach (var field in SignedFields(c))
        {
            var bytes = Encoding.UTF8.GetBytes(field.Value);
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }

        return buffer.ToArray();
    }

    public static AuditCheckpoint? TryDecode(string streamId, IReadOnlyList<KeyValuePair<string, string>> fields, out string? error)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            map[field.Key] = field.Value;
        }

        try
        {
            string Get(string name) => map.TryGetValue(name, out var v) ? v : throw new FormatException($"missing field '{name}'");
            long Long(string name) => long.Parse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture);
            error = null;
            return new AuditCheckpoint
            {
                StreamId = streamId,
                Node = Get("node"),
                Number = Long("cp"),
                FirstSequence = Long("first"),
                LastSequence = Long("last"),
                Count = Long("count"),
                FirstTime = DateTimeOffset.FromUnixTimeMilliseconds(Long("t0")),
                LastTime = DateTimeOffset.FromUnixTimeMilliseconds(Long("t1")),
                HeadHash = Get("head"),
                LastStreamId = Get("lastid"),
                PreviousSignature = map.TryGetValue("prevsig", out var p) ? p : "",
                SigningKeyId = Get("key"),
                SignedAt = DateTimeOffset.FromUnixTimeMilliseconds(Long("at")),
                Signature = Get("sig"),
            };
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>Checks a checkpoint's signature with the audit key's public half.</summary>
    public static bool VerifySignature(AuditCheckpoint checkpoint, RSA publicKey)
    {
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(checkpoint.Signature);
        }
        catch (FormatException)
        {
            return false;
        }

        return publicKey.VerifyData(SignedBytes(checkpoint), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
    }

    private static List<KeyValuePair<string, string>> SignedFields(AuditCheckpoint c)
    {
        static string L(long value) => value.ToString(CultureInfo.InvariantCulture);
        return
        [
            new("cp", L(c.Number)),
            new("node", c.Node),
            new("first", L(c.FirstSequence)),
            new("last", L(c.LastSequence)),
            new("count", L(c.Count)),
            new("t0", L(c.FirstTime.ToUnixTimeMilliseconds())),
            new("t1", L(c.LastTime.ToUnixTimeMilliseconds())),
            new("head", c.HeadHash),
            new("lastid", c.LastStreamId),
            new("prevsig", c.PreviousSignature),
            new("key", c.SigningKeyId),
            new("at", L(c.SignedAt.ToUnixTimeMilliseconds())),
        ];
    }
}
