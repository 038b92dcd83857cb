using System.Diagnostics;
using System.Net.Http.Headers;

namespace Sovereignty.Bench.Proxy;

/// <summary>The load generator: HTTP clients on loopback against one gateway.</summary>
internal sealed class Load(Uri gateway, string token) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        MaxConnectionsPerServer = 256,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    })
    {
        BaseAddress = gateway,
        Timeout = Timeout.InfiniteTimeSpan,
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    public async Task PutAsync(string path, long size, int seed = 1)
    {
        using var content = new GeneratedContent(size, seed);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using HttpResponseMessage response = await _client.PutAsync(path, content);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT {path} via {gateway}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task<long> GetAsync(string path)
    {
        using HttpResponseMessage response = await _client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {path} via {gateway}: {(int)response.StatusCode}");
        }

        await using Stream body = await response.Content.ReadAsStreamAsync();
        byte[] buffer = new byte[128 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>MB/s (10^6 bytes per second) of one transfer, median of <paramref name="runs"/>; every run is printed under <paramref name="label"/>.</summary>
    public static async Task<double> ThroughputAsync(Func<Task> transfer, long bytes, int runs, string label)
    {
        var rates = new List<double>();
        for (int i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            await transfer();
            rates.Add(bytes / watch.Elapsed.TotalSeconds / 1e6);
        }

        Console.WriteLine($"{label}: {string.Join(", ", rates.Select(rate => rate.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))} MB/s");
        rates.Sort();
        return rates[rates.Count / 2];
    }

    /// <summary>Runs <paramref name="request"/> from <paramref name="concurrency"/> loops for <paramref name="duration"/>.</summary>
    public static async Task<LatencyResult> LatencyAsync(Func<int, Task> request, int concurrency, TimeSpan duration)
    {
        var all = new List<double>[concurrency];
        int errors = 0;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>();
            all[worker] = latencies;
            for (int i = 0; total.Elapsed < duration; i++)
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    await request(worker * 1_000_000 + i);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (InvalidOperationException e)
                {
                    // A refused request (e.g. a 5xx) is counted and reported, not timed.
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine(e.Message);
                }
            }
        })));
        return Summarize(all, errors, total.Elapsed);
    }

    /// <summary>
    /// An open loop: <paramref name="rate"/> requests per second in all, sent by
    /// <paramref name="concurrency"/> loops in turn, each request at the time it is due. Latency
    /// that a slow gateway imposes on the next request counts: when a loop is still busy with the
    /// previous request at the due time, the next one is timed from when it was due (no
    /// coordinated omission); otherwise from when it was sent (timer lateness is the client's).
    /// Unlike the closed loops of <see cref="LatencyAsync"/>, which measure a saturated machine
    /// where latency is the number of clients over the throughput, this measures the latency a
    /// request sees at a load both gateways can carry.
    /// </summary>
    public static async Task<LatencyResult> FixedRateAsync(Func<int, Task> request, int concurrency, double rate, TimeSpan duration)
    {
        var all = new List<double>[concurrency];
        int errors = 0;
        long total = (long)(rate * duration.TotalSeconds);
        long origin = Stopwatch.GetTimestamp();
        long Due(long k) => origin + (long)(k / rate * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var latencies = new List<double>();
            all[worker] = latencies;
            for (long k = worker; k < total; k += concurrency)
            {
                long due = Due(k);
                long free = Stopwatch.GetTimestamp();
                if (free < due)
                {
                    await Task.Delay(Stopwatch.GetElapsedTime(free, due));
                }

                long sent = Stopwatch.GetTimestamp();
                long from = free <= due ? sent : due;
                try
                {
                    await request((int)k);
                    latencies.Add(Stopwatch.GetElapsedTime(from).TotalMilliseconds);
                }
                catch (InvalidOperationException e)
                {
                    Interlocked.Increment(ref errors);
                    Console.Error.WriteLine(e.Message);
                }
            }
        })));
        return Summarize(all, errors, Stopwatch.GetElapsedTime(origin));
    }

    public void Dispose() => _client.Dispose();

    private static LatencyResult Summarize(List<double>[] latencies, int errors, TimeSpan elapsed)
    {
        double[] sorted = [.. latencies.SelectMany(l => l).Order()];
        return new LatencyResult(sorted.Length / elapsed.TotalSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.99), sorted.Length, errors);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

internal sealed record LatencyResult(double RequestsPerSecond, double P50Milliseconds, double P99Milliseconds, int Count, int Errors);
