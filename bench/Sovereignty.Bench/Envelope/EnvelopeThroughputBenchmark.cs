using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.Bench.Envelope;

/// <summary>
/// Envelope encrypt / decrypt throughput on one thread, beside raw <see cref="AesGcm"/> on
/// 64 KiB blocks and <c>openssl speed -evp aes-256-gcm -bytes 65536</c>, measured in the same run.
/// Throughput is bytes per CPU-second of this process (see <see cref="Time"/>).
/// Usage: <c>envelope-throughput [MiB per run, default 256] [runs, default 5]</c>.
/// </summary>
internal static class EnvelopeThroughputBenchmark
{
    private const int Block = EnvelopeLayout.SegmentSize;

    public static async Task<int> RunAsync(string[] args)
    {
        long mib = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 256;
        int runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        long bytes = mib << 20;
        byte[] dek = RandomNumberGenerator.GetBytes(32);
        var header = Codec.CreateHeader(new KeyReference("bench", "00", 1), RandomNumberGenerator.GetBytes(40), EncryptionContext.Parse(["object=/bench"]), dek);

        Console.WriteLine($"envelope-throughput: {mib} MiB per run, median of {runs} runs, one thread, MB/s per CPU-second ({Environment.ProcessorCount} cores, .NET {Environment.Version})");

        var sealedEnvelope = new MemoryStream(checked((int)header.GetEnvelopeLength(bytes)));
        await Codec.EncryptAsync(new PatternStream(bytes), sealedEnvelope, header, dek, CancellationToken.None);
        byte[] envelope = sealedEnvelope.GetBuffer();
        var walking = new WalkingDecryptor(bytes);

        // A 4 MiB envelope decrypted again and again: its ciphertext stays in cache, as the
        // 1 MiB plaintext pattern of the encrypt source does and as the baseline's block does.
        const int HotMiB = 4;
        var hotStream = new MemoryStream();
        await Codec.EncryptAsync(new PatternStream(HotMiB << 20), hotStream, header, dek, CancellationToken.None);
        byte[] hot = hotStream.ToArray();
        long hotRepeats = bytes / (HotMiB << 20);

        // Interleaved rounds: every operation is measured once per round, so that load
        // drifting on a shared machine hits baselines and envelope alike.
        var operations = new (string Name, Func<double> Measure)[]
        {
            ("raw-encrypt", () => RawAesGcm(bytes, decrypt: false)),
            ("raw-decrypt", () => RawAesGcm(bytes, decrypt: true)),
            ("raw-decrypt-walking", walking.Measure),
            ("envelope-encrypt", () => Time(bytes, () => Codec.EncryptAsync(new PatternStream(bytes), Stream.Null, header, dek, CancellationToken.None).GetAwaiter().GetResult())),
            ("envelope-decrypt-push", () => Time(hotRepeats * (HotMiB << 20), () =>
            {
                for (long i = 0; i < hotRepeats; i++)
                {
                    var input = new MemoryStream(hot, header.Length, hot.Length - header.Length, writable: false);
                    Codec.DecryptAsync(input, Stream.Null, header, dek, CancellationToken.None).GetAwaiter().GetResult();
                }
            })),
            ("envelope-decrypt-pull", () => Time(hotRepeats * (HotMiB << 20), () =>
            {
                for (long i = 0; i < hotRepeats; i++)
                {
                    var input = new MemoryStream(hot, header.Length, hot.Length - header.Length, writable: false);
                    using var plain = Codec.OpenDecryptingStream(input, header, dek);
                    plain.CopyTo(Stream.Null, Block);
                }
            })),
            ("envelope-decrypt-cold", () => Time(bytes, () =>
            {
                var input = new MemoryStream(envelope, header.Length, envelope.Length - header.Length, writable: false);
                Codec.DecryptAsync(input, Stream.Null, header, dek, CancellationToken.None).GetAwaiter().GetResult();
            })),
        };
        var results = operations.ToDictionary(o => o.Name, _ => new List<double>());
        foreach (var (_, measure) in operations)
        {
            measure(); // warm-up: JIT, tiering, page faults
        }

        for (int round = 0; round < runs; round++)
        {
            foreach (var (name, measure) in operations)
            {
                results[name].Add(measure());
            }
        }

        double Med(string name) => Median(results[name]);
        double RatioMed(string name, string baseline) => Median(results[name].Zip(results[baseline], (a, b) => a / b).ToList());
        double rawEncrypt = Med("raw-encrypt");
        double rawDecrypt = Med("raw-decrypt");
        double? openssl = OpensslSpeed();

        Console.WriteLine();
        Console.WriteLine("| operation | MB/s | vs raw AesGcm |");
        Console.WriteLine("|---|---:|---:|");
        Row("raw AesGcm encrypt, 64 KiB blocks (baseline)", rawEncrypt, 1);
        Row("raw AesGcm decrypt, 64 KiB blocks (baseline)", rawDecrypt, 1);
        Row($"raw AesGcm decrypt, 64 KiB blocks read from a {mib} MiB buffer", Med("raw-decrypt-walking"), RatioMed("raw-decrypt-walking", "raw-decrypt"));
        if (openssl is double o)
        {
            Console.WriteLine($"| openssl speed -evp aes-256-gcm -bytes 65536 (encrypt) | {o:N0} | {o / rawEncrypt:P0} |");
        }

        Row("envelope encrypt (stream in → envelope out, push)", Med("envelope-encrypt"), RatioMed("envelope-encrypt", "raw-encrypt"));
        Row("envelope decrypt (push: DecryptAsync; 4 MiB envelope, in cache)", Med("envelope-decrypt-push"), RatioMed("envelope-decrypt-push", "raw-decrypt"));
        Row("envelope decrypt (pull: OpenDecryptingStream + CopyTo; 4 MiB envelope, in cache)", Med("envelope-decrypt-pull"), RatioMed("envelope-decrypt-pull", "raw-decrypt"));
        Row($"envelope decrypt (push; {mib} MiB envelope read from memory)", Med("envelope-decrypt-cold"), RatioMed("envelope-decrypt-cold", "raw-decrypt"));
        Console.WriteLine($"| (same, vs raw decrypt read from a {mib} MiB buffer) | | {RatioMed("envelope-decrypt-cold", "raw-decrypt-walking"):P0} |");
        bool met = RatioMed("envelope-encrypt", "raw-encrypt") >= 0.8 && RatioMed("envelope-decrypt-push", "raw-decrypt") >= 0.8;
        Console.WriteLine();
        Console.WriteLine($"target ≥ 80 % of raw AesGcm (encrypt and push decrypt): {(met ? "met" : "NOT met")}");
        return 0;
    }

    private static void Row(string name, double mbps, double ratio) =>
        Console.WriteLine($"| {name} | {mbps:N0} | {ratio:P0} |");

    private static double RawAesGcm(long bytes, bool decrypt)
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        byte[] plain = RandomNumberGenerator.GetBytes(Block);
        byte[] cipher = new byte[Block];
        byte[] tag = new byte[16];
        byte[] nonce = new byte[12];
        using var aes = new AesGcm(key, 16);
        aes.Encrypt(nonce, plain, cipher, tag);
        long blocks = bytes / Block;
        return Time(bytes, () =>
        {
            for (long i = 0; i < blocks; i++)
            {
                if (decrypt)
                {
                    aes.Decrypt(nonce, cipher, tag, plain);
                }
                else
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(nonce.AsSpan(4), i);
                    aes.Encrypt(nonce, plain, cipher, tag);
                }
            }
        });
    }

    /// <summary>
    /// MB/s per CPU-second used by this process (user + system), so that other load on a
    /// shared machine does not count against us; <c>openssl speed</c> also divides by CPU
    /// time by default (its <c>-elapsed</c> switches to wall clock).
    /// </summary>
    /// <summary>Raw decryption of distinct 64 KiB blocks laid out in one big buffer, as the envelope decrypt reads them.</summary>
    private sealed class WalkingDecryptor
    {
        private readonly long _bytes;
        private readonly int _blocks;
        private readonly byte[] _cipher;
        private readonly byte[] _tags;
        private readonly byte[] _plain = RandomNumberGenerator.GetBytes(Block);
        private readonly byte[] _nonce = new byte[12];
        private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

        public WalkingDecryptor(long bytes)
        {
            _bytes = bytes;
            _blocks = (int)(bytes / Block);
            _cipher = new byte[bytes];
            _tags = new byte[_blocks * 16];
            using var aes = new AesGcm(_key, 16);
            for (int i = 0; i < _blocks; i++)
            {
                aes.Encrypt(_nonce, _plain, _cipher.AsSpan(i * Block, Block), _tags.AsSpan(i * 16, 16));
            }
        }

        public double Measure()
        {
            using var aes = new AesGcm(_key, 16);
            return Time(_bytes, () =>
            {
                for (int i = 0; i < _blocks; i++)
                {
                    aes.Decrypt(_nonce, _cipher.AsSpan(i * Block, Block), _tags.AsSpan(i * 16, 16), _plain);
                }
            });
        }
    }

    private static double Time(long bytes, Action action)
    {
        using var self = Process.GetCurrentProcess();
        var before = self.TotalProcessorTime;
        action();
        self.Refresh();
        return bytes / (self.TotalProcessorTime - before).TotalSeconds / 1e6;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    /// <summary>Runs <c>openssl speed</c> on 64 KiB blocks; returns MB/s, or null when openssl is missing.</summary>
    private static double? OpensslSpeed()
    {
        try
        {
            var start = new ProcessStartInfo("openssl", "speed -evp aes-256-gcm -bytes 65536 -seconds 3 -mr")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            // "+F:<n>:AES-256-GCM:<bytes per second>"
            string? line = output.Split('\n').LastOrDefault(l => l.StartsWith("+F:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(':')[^1], CultureInfo.InvariantCulture) / 1e6;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
