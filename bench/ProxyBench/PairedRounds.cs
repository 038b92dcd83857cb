using System.Globalization;

namespace Sovereignty.Bench.Proxy;

/// <summary>
/// <c>--paired</c>: both gateways run at once, idle in turn, and take turns phase by phase,
/// the first one alternating from round to round. What drifts on a shared 2-core machine during a
/// run (page-cache writeback of nginx's files, the host's other tenants, the load generator's own
/// JIT) then falls on both alike, and each round compares the two under the same conditions.
/// Sequential runs (the default mode) put minutes between the plain YARP phases and
/// Sovereignty's, and the same build measured 59 % and 89 % of YARP's 100 MiB upload rate
/// ten minutes apart.
/// The 1 MiB PUT takes turns with a third gateway, plain YARP reading each body whole before
/// sending it (<see cref="WholeBodyFirst"/>): the part of Sovereignty's 1 MiB figure that any
/// gateway pays for classifying a body before it leaves.
/// </summary>
internal static class PairedRounds
{
    private const long Large = 100L * 1024 * 1024;
    private const int MiB = 1024 * 1024;

    /// <summary>One compared figure: its value per gateway in each round.</summary>
    private sealed record Figure(string Name, string Unit, bool HigherIsBetter)
    {
        public List<(double Baseline, double Sovereignty)> Rounds { get; } = [];
    }

    public static async Task RunAsync(Load baseline, Load sovereignty, Load storeAndForward, int rounds, TimeSpan phase, double rate)
    {
        var upload = new Figure("100 MiB upload", "MB/s", true);
        var download = new Figure("100 MiB download", "MB/s", true);
        var putClosed = new Figure("4 KiB PUT, 8 clients, p50", "ms", false);
        var putClosedRate = new Figure("4 KiB PUT, 8 clients", "req/s", true);
        var getClosed = new Figure("4 KiB GET, 8 clients, p50", "ms", false);
        var putFixed = new Figure($"4 KiB PUT, 8 clients at {rate:0} req/s, p50", "ms", false);
        var getFixed = new Figure($"4 KiB GET, 8 clients at {rate:0} req/s, p50", "ms", false);
        var putMiB = new Figure("1 MiB PUT, 1 client, p50", "ms", false);
        Figure[] figures = [upload, download, putClosed, putClosedRate, getClosed, putFixed, getFixed, putMiB];

        // The same 1 MiB PUT phase through the store-and-forward baseline, beside each round's pair.
        var putMiBStoreAndForward = new List<double>();

        await baseline.PutAsync("/paired-baseline/small.bin", 4096, 3);
        await sovereignty.PutAsync("/paired-sovereignty/small.bin", 4096, 3);
        for (int round = 1; round <= rounds; round++)
        {
            bool baselineFirst = round % 2 == 1;
            async Task<(double Baseline, double Sovereignty)> Both(Func<Load, string, Task<double>> measure)
            {
                double b, s;
                if (baselineFirst)
                {
                    b = await measure(baseline, "/paired-baseline");
                    s = await measure(sovereignty, "/paired-sovereignty");
                }
                else
                {
                    s = await measure(sovereignty, "/paired-sovereignty");
                    b = await measure(baseline, "/paired-baseline");
                }

                return (b, s);
            }

            upload.Rounds.Add(await Both((load, prefix) => Load.ThroughputAsync(() => load.PutAsync($"{prefix}/large.bin", Large), Large, 1, $"round {round} {prefix} 100 MiB upload")));
            download.Rounds.Add(await Both((load, prefix) => Load.ThroughputAsync(() => load.GetAsync($"{prefix}/large.bin"), Large, 1, $"round {round} {prefix} 100 MiB download")));
            var closed = new Dictionary<Load, LatencyResult>();
            putClosed.Rounds.Add(await Both(async (load, prefix) =>
            {
                closed[load] = await Load.LatencyAsync(i => load.PutAsync($"{prefix}/4k/{i % 200}.bin", 4096, 5), 8, phase);
                return closed[load].P50Milliseconds;
            }));
            putClosedRate.Rounds.Add((closed[baseline].RequestsPerSecond, closed[sovereignty].RequestsPerSecond));
            getClosed.Rounds.Add(await Both(async (load, prefix) => (await Load.LatencyAsync(_ => load.GetAsync($"{prefix}/small.bin"), 8, phase)).P50Milliseconds));
            putFixed.Rounds.Add(await Both(async (load, prefix) => (await Load.FixedRateAsync(i => load.PutAsync($"{prefix}/4k/{i % 200}.bin", 4096, 5), 8, rate, phase)).P50Milliseconds));
            getFixed.Rounds.Add(await Both(async (load, prefix) => (await Load.FixedRateAsync(_ => load.GetAsync($"{prefix}/small.bin"), 8, rate, phase)).P50Milliseconds));

            // A 1 MiB upload is read whole (inside the inspection window) before it is classified and
            // sent; one client, so the p50 is latency, not load. Three gateways take turns here: the pair in this round's order, with the
            // store-and-forward baseline first, between them or last, in turn.
            var order = new List<(Load Load, string Prefix)> { (baseline, "/paired-baseline"), (sovereignty, "/paired-sovereignty") };
            if (!baselineFirst)
            {
                order.Reverse();
            }

            order.Insert((round - 1) % 3, (storeAndForward, "/paired-store-and-forward"));
            var putMiBP50 = new Dictionary<Load, double>();
            foreach ((Load load, string prefix) in order)
            {
                putMiBP50[load] = (await Load.LatencyAsync(i => load.PutAsync($"{prefix}/1m/{i % 200}.bin", MiB, 7), 1, phase)).P50Milliseconds;
            }

            putMiB.Rounds.Add((putMiBP50[baseline], putMiBP50[sovereignty]));
            putMiBStoreAndForward.Add(putMiBP50[storeAndForward]);
            Console.WriteLine($"# round {round} ({(baselineFirst ? "plain YARP" : "Sovereignty")} first): " + string.Join("; ",
                figures.Select(f => $"{f.Name} {Format(f.Rounds[^1].Baseline)} / {Format(f.Rounds[^1].Sovereignty)} {f.Unit}"))
                + $"; 1 MiB PUT, 1 client, p50, store-and-forward YARP {Format(putMiBStoreAndForward[^1])} ms");
        }

        Console.WriteLine();
        Console.WriteLine($"| measure ({rounds} paired rounds) | plain YARP, median | Sovereignty, median | Sovereignty vs YARP, median of the rounds | range over the rounds |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (Figure figure in figures)
        {
            double[] comparisons = [.. figure.Rounds.Select(r => figure.HigherIsBetter ? r.Sovereignty / r.Baseline * 100 : r.Sovereignty - r.Baseline).Order()];
            string Compared(double value) => figure.HigherIsBetter ? $"{value:0} %" : $"{value:+0.00;-0.00} {figure.Unit}";
            Console.WriteLine($"| {figure.Name} | {Format(Median(figure.Rounds.Select(r => r.Baseline)))} {figure.Unit} | {Format(Median(figure.Rounds.Select(r => r.Sovereignty)))} {figure.Unit} " +
                $"| **{Compared(Median(comparisons))}** | {Compared(comparisons[0])} to {Compared(comparisons[^1])} |");
        }

        PrintStoreAndForward(putMiB, putMiBStoreAndForward);
    }

    /// <summary>
    /// The 1 MiB PUT split in two: what reading the body first costs plain YARP (store and
    /// forward against streaming), and what Sovereignty adds on top of that.
    /// </summary>
    private static void PrintStoreAndForward(Figure putMiB, List<double> storeAndForward)
    {
        double[] floor = [.. putMiB.Rounds.Select((r, i) => storeAndForward[i] - r.Baseline).Order()];
        double[] above = [.. putMiB.Rounds.Select((r, i) => r.Sovereignty - storeAndForward[i]).Order()];
        string Delta(double value) => $"{value:+0.00;-0.00} ms";
        Console.WriteLine();
        Console.WriteLine($"| 1 MiB PUT, 1 client, p50 ({putMiB.Rounds.Count} rounds) | median | vs the gateway before it, median of the rounds | range over the rounds |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| plain YARP (streams the body) | {Format(Median(putMiB.Rounds.Select(r => r.Baseline)))} ms | | |");
        Console.WriteLine($"| YARP store-and-forward (reads the body whole first) | {Format(Median(storeAndForward))} ms | **{Delta(Median(floor))}** | {Delta(floor[0])} to {Delta(floor[^1])} |");
        Console.WriteLine($"| Sovereignty (reads, classifies, encrypts) | {Format(Median(putMiB.Rounds.Select(r => r.Sovereignty)))} ms | **{Delta(Median(above))}** | {Delta(above[0])} to {Delta(above[^1])} |");
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Format(double value) => value.ToString(value >= 100 ? "0" : "0.00", CultureInfo.InvariantCulture);
}
