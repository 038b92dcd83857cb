using Sovereignty.Bench;

// One argument selects the benchmark; the rest are its options.
var benchmarks = new Dictionary<string, Func<string[], int>>(StringComparer.OrdinalIgnoreCase)
{
    ["classification"] = ClassificationBench.Run,
};

if (args.Length == 0 || !benchmarks.TryGetValue(args[0], out var run))
{
    Console.Error.WriteLine($"usage: Sovereignty.Bench <{string.Join('|', benchmarks.Keys)}> [options]");
    return 2;
}

return run(args[1..]);
