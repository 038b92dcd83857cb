using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Sovereignty.KeyService;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.Bench;

/// <summary>
/// <c>hsm-wrap [--seconds N]</c>: data-key wrap and unwrap ops/s through <see cref="Pkcs11KeyProvider"/>
/// with 1 and 2 threads, beside the same PKCS#11 call sequence made directly with
/// Pkcs11Interop on one session (the baseline: what the pool, handle checks, async and
/// error mapping cost). SoftHSM token in a temp dir.
/// </summary>
internal static class HsmWrapBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length == 2 && args[0] == "--seconds" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 2.0;
        var duration = TimeSpan.FromSeconds(seconds);
        using var token = SoftHsmToken.Create("bench");
        await using var provider = new Pkcs11KeyProvider(token.ProviderOptions(name: "bench", sessionPoolSize: 2));
        var kek = await provider.CreateKekAsync("bench", 1, default);

        // The baseline gets a token and module copy of its own: raw sessions are never opened
        // on the module whose sessions the provider's pool owns.
        using var rawToken = SoftHsmToken.Create("bench-raw");
        await using var rawSetup = new Pkcs11KeyProvider(rawToken.ProviderOptions(name: "bench-raw", sessionPoolSize: 1));
        var rawKek = await rawSetup.CreateKekAsync("bench", 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await provider.WrapAsync(kek.KeyId, dataKey, default);

        Console.WriteLine($"HSM key wrap: SoftHSM {token.TokenLabel}, AES-256 KEK, 32-byte data keys, CKM_AES_KEY_WRAP_PAD, {Rounds} interleaved rounds of {seconds:0.#} s per row (median shown), {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        var rows = new (string Path, int Threads, Func<Task<double>> Measure)[]
        {
            ("raw Pkcs11Interop, one session: wrap", 1, () => Task.FromResult(RawBaseline(rawSetup, rawKek.KeyId, duration).Wrap)),
            ("raw Pkcs11Interop, one session: unwrap", 1, () => Task.FromResult(RawBaseline(rawSetup, rawKek.KeyId, duration).Unwrap)),
            ("Pkcs11KeyProvider.WrapAsync (pool of 2)", 1, () => MeasureAsync(1, duration, () => provider.WrapAsync(kek.KeyId, dataKey, default))),
            ("Pkcs11KeyProvider.UnwrapAsync (pool of 2)", 1, () => MeasureAsync(1, duration, () => provider.UnwrapAsync(kek.KeyId, wrapped, default))),
            ("Pkcs11KeyProvider.WrapAsync (pool of 2)", 2, () => MeasureAsync(2, duration, () => provider.WrapAsync(kek.KeyId, dataKey, default))),
            ("Pkcs11KeyProvider.UnwrapAsync (pool of 2)", 2, () => MeasureAsync(2, duration, () => provider.UnwrapAsync(kek.KeyId, wrapped, default))),
        };
        var results = rows.Select(_ => new List<double>()).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            for (var i = 0; i < rows.Length; i++)
            {
                results[i].Add(await rows[i].Measure());
            }
        }

        Console.WriteLine($"{"path",-44} {"threads",7} {"ops/s",10} {"vs raw",7}");
        for (var i = 0; i < rows.Length; i++)
        {
            var median = Median(results[i]);
            var baseline = Median(results[rows[i].Path.Contains("unwrap", StringComparison.OrdinalIgnoreCase) ? 1 : 0]);
            Console.WriteLine($"{rows[i].Path,-44} {rows[i].Threads,7} {median,10:N0} {median / baseline,7:P0}");
        }

        Console.WriteLine($"retryable errors (not counted as ops): {Interlocked.Read(ref _retryableErrors)}; load average at end: {LoadAverage()}");
        return 0;
    }

    private const int Rounds = 3;

    private static long _retryableErrors;

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<double> MeasureAsync(int threads, TimeSpan duration, Func<Task<byte[]>> operation)
    {
        await operation(); // warm-up
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < duration)
            {
                try
                {
                    await operation();
                    Interlocked.Increment(ref count);
                }
                catch (KeyServiceException ex) when (ex.IsRetryable)
                {
                    // Counted, not hidden: see the "retryable errors" line.
                    Interlocked.Increment(ref _retryableErrors);
                }
            }
        })));
        return count / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>The provider's call sequence, made directly on one session of the same module.</summary>
    private static (double Wrap, double Unwrap) RawBaseline(Pkcs11KeyProvider provider, string keyId, TimeSpan duration)
    {
        var module = provider.Module;
        return module.Run(module.Generation, library =>
        {
            var slot = library.GetSlotList(SlotsType.WithTokenPresent).Single(s => s.GetTokenInfo().Label.TrimEnd() == provider.TokenLabel);
            using var session = slot.OpenSession(SessionType.ReadWrite); // the setup provider's login covers it
            var factories = session.Factories;
            var attributes = factories.ObjectAttributeFactory;
            var kek = session.FindAllObjects([attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), attributes.Create(CKA.CKA_ID, Convert.FromHexString(keyId))]).Single();
            var mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            var value = RandomNumberGenerator.GetBytes(32);
            List<IObjectAttribute> DataKey() =>
            [
                attributes.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY), attributes.Create(CKA.CKA_KEY_TYPE, CKK.CKK_GENERIC_SECRET),
                attributes.Create(CKA.CKA_TOKEN, false), attributes.Create(CKA.CKA_PRIVATE, false),
                attributes.Create(CKA.CKA_SENSITIVE, false), attributes.Create(CKA.CKA_EXTRACTABLE, true),
            ];

            byte[] wrapped = [];
            var wrap = Loop(duration, () =>
            {
                // Templates are kept alive across the native call (see Pkcs11TemplateCalls for why).
                List<IObjectAttribute> template = [.. DataKey(), attributes.Create(CKA.CKA_VALUE, value)];
                var temporary = session.CreateObject(template);
                GC.KeepAlive(template);
                wrapped = session.WrapKey(mechanism, kek, temporary);
                session.DestroyObject(temporary);
            });
            var unwrap = Loop(duration, () =>
            {
                var template = DataKey();
                var unwrapped = session.UnwrapKey(mechanism, kek, wrapped, template);
                GC.KeepAlive(template);
                _ = session.GetAttributeValue(unwrapped, [CKA.CKA_VALUE]);
                session.DestroyObject(unwrapped);
            });
            return (wrap, unwrap);
        });
    }

    private static double Loop(TimeSpan duration, Action operation)
    {
        operation();
        long count = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < duration)
        {
            operation();
            count++;
        }

        return count / stopwatch.Elapsed.TotalSeconds;
    }

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
