using System.Security.Cryptography;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>Checks the test vectors printed in docs/envelope-format.md, byte for byte.</summary>
public class EnvelopeVectorTests
{
    public static TheoryData<int> VectorNumbers => [.. ReadVectors().Select(v => int.Parse(v["vector"][0], System.Globalization.CultureInfo.InvariantCulture))];

    [Fact]
    public void Spec_HasThreeVectors()
    {
        Assert.Equal(3, ReadVectors().Count);
    }

    [Theory]
    [MemberData(nameof(VectorNumbers))]
    public async Task Vector_EncryptWithFixedRandomness_MatchesSpecByteForByte(int number)
    {
        var v = ReadVectors().Single(v => v["vector"][0] == number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        byte[] dek = Hex(v, "dek");
        byte[] plaintext = v.ContainsKey("plaintext")
            ? Hex(v, "plaintext")
            : [.. Enumerable.Range(0, int.Parse(v["plaintext_pattern"][0].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)).Select(i => (byte)(i % 251))];
        var context = EncryptionContext.Parse(v.TryGetValue("context", out var items) ? items : []);
        var key = new KeyReference(v["key_class"][0], v["key_id"][0], int.Parse(v["key_version"][0], System.Globalization.CultureInfo.InvariantCulture));

        var header = EnvelopeHeader.Create(key, Hex(v, "wrapped_key"), context, dek, Hex(v, "salt"), Hex(v, "nonce_prefix"));
        Assert.Equal(Hex(v, "header"), header.Bytes.ToArray());
        Assert.Equal(Hex(v, "header_sha256"), SHA256.HashData(header.AuthenticatedBytes));

        var segmentKey = new byte[32];
        var commitment = new byte[32];
        EnvelopeKeySchedule.Derive(dek, header, segmentKey, commitment);
        Assert.Equal(Hex(v, "segment_key"), segmentKey);
        Assert.Equal(Hex(v, "commitment"), commitment);

        using var output = new MemoryStream();
        await Codec.EncryptAsync(new MemoryStream(plaintext), output, header, dek, CancellationToken.None);
        byte[] envelope = output.ToArray();
        Assert.Equal(long.Parse(v["envelope_length"][0], System.Globalization.CultureInfo.InvariantCulture), envelope.Length);
        Assert.Equal(Hex(v, "envelope_sha256"), SHA256.HashData(envelope));
        if (v.ContainsKey("envelope"))
        {
            Assert.Equal(Hex(v, "envelope"), envelope);
        }

        for (int i = 0; v.ContainsKey($"tag_{i}"); i++)
        {
            long end = i == EnvelopeLayout.SegmentCount(plaintext.Length) - 1
                ? envelope.Length
                : EnvelopeLayout.SegmentOffset(i + 1, header.Length);
            Assert.Equal(Hex(v, $"tag_{i}"), envelope[(int)(end - 16)..(int)end]);
        }

        // And the vector decrypts back.
        Assert.Equal(plaintext, EnvelopeTestData.Decrypt(envelope, dek));
    }

    private static byte[] Hex(Dictionary<string, List<string>> vector, string name) => Convert.FromHexString(vector[name][0]);

    /// <summary>Parses the <c>```vector</c> blocks of the spec into name → values.</summary>
    private static List<Dictionary<string, List<string>>> ReadVectors()
    {
        var vectors = new List<Dictionary<string, List<string>>>();
        Dictionary<string, List<string>>? current = null;
        foreach (string line in File.ReadLines(SpecPath()))
        {
            if (line == "```vector")
            {
                current = new Dictionary<string, List<string>>(StringComparer.Ordinal);
                continue;
            }

            if (current is not null && line == "```")
            {
                vectors.Add(current);
                current = null;
                continue;
            }

            if (current is not null)
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = line[..colon];
                string value = line[(colon + 1)..].Trim();
                if (!current.TryGetValue(name, out var values))
                {
                    current[name] = values = [];
                }

                values.Add(value);
            }
        }

        return vectors;
    }

    private static string SpecPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "docs", "envelope-format.md");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/envelope-format.md not found above the test directory.");
    }
}
