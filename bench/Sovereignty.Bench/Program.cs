using Sovereignty.Bench;
using Sovereignty.Bench.DataKeys;
using Sovereignty.Bench.Envelope;

// One entry per benchmark; each benchmark owns its file.
var benchmarks = new Dictionary<string, (string Description, Func<string[], Task<int>> Run)>(StringComparer.Ordinal)
{
    ["hsm-wrap"] = ("HSM wrap/unwrap ops/s through the provider (1 and 2 threads) beside raw Pkcs11Interop on one session", HsmWrapBench.RunAsync),
    ["hsm-recycle"] = ("Memory (VmRSS) over N SoftHSM session objects with the module never recycled beside recycled every 100,000 [--objects N]", HsmRecycleBench.RunAsync),
    ["envelope-throughput"] = ("Envelope encrypt/decrypt MB/s on one core beside raw AesGcm and openssl speed [MiB] [runs]", EnvelopeThroughputBenchmark.RunAsync),
    ["envelope-memory"] = ("Peak memory (VmHWM) encrypting + decrypting N MiB through the stream APIs [MiB]", EnvelopeMemoryBenchmark.RunAsync),
    ["classification"] = ("Classification MB/s per core of plain text and a ~5 MB mail beside a raw Regex scan [runs] [MiB]", a => Task.FromResult(ClassificationBench.Run(a))),
    ["dek-cache"] = ("DEK-cache hit path ops/s beside the HSM unwrap through the key ring [seconds]", DekCacheBenchmark.RunAsync),
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: Sovereignty.Bench <benchmark> [options]");
    foreach (var (name, (description, _)) in benchmarks)
    {
        Console.Error.WriteLine($"  {name,-20} {description}");
    }

    return 2;
}

return await benchmark.Run(args[1..]);
