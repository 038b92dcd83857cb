using Sovereignty.Bench.Envelope;

// Sovereignty benchmarks: dotnet run -c Release --project bench/Sovereignty.Bench -- NAME [ARGS]
var benchmarks = new SortedDictionary<string, Func<string[], Task<int>>>(StringComparer.Ordinal)
{
    ["envelope-throughput"] = EnvelopeThroughputBenchmark.RunAsync,
    ["envelope-memory"] = EnvelopeMemoryBenchmark.RunAsync,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Sovereignty.Bench <{string.Join('|', benchmarks.Keys)}> [args]");
    return 2;
}

return await run(args[1..]);
