using Sovereignty.Bench;

// One entry per benchmark; each benchmark owns its file.
var benchmarks = new Dictionary<string, (string Description, Func<string[], Task<int>> Run)>(StringComparer.Ordinal)
{
    ["hsm-wrap"] = ("HSM wrap/unwrap ops/s through the provider (1 and 2 threads) beside raw Pkcs11Interop on one session", HsmWrapBench.RunAsync),
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var benchmark))
{
    Console.Error.WriteLine("usage: Sovereignty.Bench <benchmark> [options]");
    foreach (var (name, (description, _)) in benchmarks)
    {
        Console.Error.WriteLine($"  {name,-12} {description}");
    }

    return 2;
}

return await benchmark.Run(args[1..]);
