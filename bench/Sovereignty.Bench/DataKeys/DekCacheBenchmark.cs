using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.Testing;

namespace Sovereignty.Bench.DataKeys;

/// <summary>
/// The DEK-cache hit path (<see cref="DataKeyService.UnwrapAsync"/> served from the cache,
/// audit event included) beside the miss path (one unwrap in a real SoftHSM token through
/// the key ring) and the bare <see cref="DekCache.TryGet"/>, measured in the same run on one
/// thread. The audit log is an in-memory counter, so the figures exclude the audit store's
/// own latency (Redis: see the audit section of docs/performance.md).
/// Usage: <c>dek-cache [seconds per measurement, default 3]</c>.
/// </summary>
internal static class DekCacheBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        using var token = SoftHsmToken.Create("bench");
        var options = new HsmOptions
        {
            Providers = [token.ProviderOptions(name: "softhsm")],
            KeyClasses = [new KeyClassOptions { Name = "bench", Provider = "softhsm", Residency = "fr" }],
        };
        await using var registry = new KeyProviderRegistry(options);
        var catalog = new KeyCatalog(options, registry, TimeProvider.System);
        var log = new CountingEventLog();
        var ring = new KeyRing(catalog, log);
        var use = KeyUse.Cli("bench") with { ObjectId = "/bench" };
        await new KeyManager(catalog, log).InitAsync(use, CancellationToken.None);

        var cache = new DekCache(Options.Create(new DekCacheOptions()), TimeProvider.System);
        var cached = new DataKeyService(ring, log, cache);
        var uncached = new DataKeyService(ring, log, new DekCache(Options.Create(new DekCacheOptions { MaxEntries = 0 }), TimeProvider.System));

        using var created = await cached.CreateAsync("bench", use, CancellationToken.None);
        var header = KeyService.Envelope.Envelope.CreateHeader(created.Key, created.WrappedKey, EncryptionContext.Parse(["object=/bench"]), created.Value.ToArray());
        (await cached.UnwrapAsync(header, use, CancellationToken.None)).Dispose(); // fills the cache

        Console.WriteLine($"dek-cache: {seconds} s per measurement, one thread, SoftHSM {token.TokenLabel}; audit log = in-memory counter");
        var miss = await MeasureAsync(seconds, async () => (await uncached.UnwrapAsync(header, use, CancellationToken.None)).Dispose());
        var hit = await MeasureAsync(seconds, async () => (await cached.UnwrapAsync(header, use, CancellationToken.None)).Dispose());
        var buffer = new byte[32];
        var bare = await MeasureAsync(seconds, () =>
        {
            cache.TryGet(header, buffer);
            return Task.CompletedTask;
        });

        Console.WriteLine();
        Console.WriteLine("| path | ops/s (wall) | ops per CPU-second | vs HSM unwrap |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| HSM unwrap through the key ring, cache off (baseline) | {miss.Wall:N0} | {miss.Cpu:N0} | 1× |");
        Console.WriteLine($"| DEK-cache hit through DataKeyService (incl. audit event) | {hit.Wall:N0} | {hit.Cpu:N0} | {hit.Wall / miss.Wall:N0}× |");
        Console.WriteLine($"| DekCache.TryGet alone | {bare.Wall:N0} | {bare.Cpu:N0} | {bare.Wall / miss.Wall:N0}× |");
        Console.WriteLine($"audit events recorded: {log.Count:N0}");
        cache.Dispose();
        return 0;
    }

    private static async Task<(double Wall, double Cpu)> MeasureAsync(double seconds, Func<Task> operation)
    {
        for (int i = 0; i < 100; i++)
        {
            await operation(); // warm-up
        }

        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        long count = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 100; i++)
            {
                await operation();
            }

            count += 100;
        }

        double wall = watch.Elapsed.TotalSeconds;
        self.Refresh();
        double cpu = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        return (count / wall, count / cpu);
    }

    private sealed class CountingEventLog : IKeyEventLog
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return ValueTask.CompletedTask;
        }
    }
}
