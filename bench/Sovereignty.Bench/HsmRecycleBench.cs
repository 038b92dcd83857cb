using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.Bench;

/// <summary>
/// <c>hsm-recycle [--objects N]</c>: this process's memory (VmRSS) while data keys are wrapped
/// and unwrapped through <see cref="Pkcs11KeyProvider"/> (two SoftHSM session objects per round
/// trip), first with <c>RecycleModuleAfterObjects = 0</c> (the baseline: SoftHSM 2.6 keeps every
/// destroyed session object), then with the default (the module recycled every 100,000). Also
/// the slowest round trip of each phase: in the second it is the one that waited for a recycle.
/// </summary>
internal static class HsmRecycleBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var objects = args.Length == 2 && args[0] == "--objects" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 600_000;
        using var token = SoftHsmToken.Create("bench-recycle");
        Console.WriteLine($"HSM module recycling: SoftHSM {token.TokenLabel}, {objects:N0} session objects per phase ({objects / 2:N0} wrap + unwrap round trips, one thread), {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"phase",-34} {"objects",9} {"VmRSS MiB",10} {"managed MiB",12} {"slowest round trip",19}");
        Report("start", 0, TimeSpan.Zero);
        await PhaseAsync(token, "never recycled (baseline)", recycleAfter: 0, objects);
        await PhaseAsync(token, "recycled (default)", recycleAfter: null, objects);
        return 0;
    }

    private static async Task PhaseAsync(SoftHsmToken token, string name, int? recycleAfter, int objects)
    {
        var options = token.ProviderOptions(name: "bench-recycle", sessionPoolSize: 2);
        options.RecycleModuleAfterObjects = recycleAfter;
        await using var provider = new Pkcs11KeyProvider(options);
        var kek = await provider.CreateKekAsync($"recycle-{recycleAfter?.ToString(CultureInfo.InvariantCulture) ?? "default"}", 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var slowest = TimeSpan.Zero;
        var made = 0;
        while (made < objects)
        {
            var started = Stopwatch.GetTimestamp();
            var wrapped = await provider.WrapAsync(kek.KeyId, dataKey, default);
            _ = await provider.UnwrapAsync(kek.KeyId, wrapped, default);
            var took = Stopwatch.GetElapsedTime(started);
            slowest = took > slowest ? took : slowest;
            made += 2;
            if (made % 200_000 == 0)
            {
                Report($"{name}", made, slowest);
            }
        }
    }

    private static void Report(string phase, int objects, TimeSpan slowest)
    {
        var rss = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        Console.WriteLine($"{phase,-34} {objects,9:N0} {long.Parse(rss, CultureInfo.InvariantCulture) / 1024.0,10:0.0} {GC.GetTotalMemory(forceFullCollection: false) / 1048576.0,12:0.0} {slowest.TotalMilliseconds,16:0.00} ms");
    }
}
