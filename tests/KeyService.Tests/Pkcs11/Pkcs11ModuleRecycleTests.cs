using System.Security.Cryptography;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.KeyService.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>
/// SoftHSM 2.6 never frees a destroyed session object, and every data-key wrap and unwrap
/// makes one: the pool finalises and initialises the module again every
/// <c>RecycleModuleAfterObjects</c> of them. Recycling finalises the shared module, so these
/// tests run alone.
/// </summary>
[Collection(ModuleDisruptionGroup.Name)]
public sealed class Pkcs11ModuleRecycleTests
{
    private readonly SoftHsmToken _token;

    public Pkcs11ModuleRecycleTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task WrapUnwrap_RecycledEverySevenObjects_EveryCallSucceedsAndOldWrapsStillUnwrap()
    {
        var logger = new CollectingLogger<Pkcs11KeyProvider>();
        var options = _token.ProviderOptions(name: "recycle", sessionPoolSize: 4);
        options.RecycleModuleAfterObjects = 7;
        await using var provider = new Pkcs11KeyProvider(options, logger);
        var key = await provider.CreateKekAsync("recycle", 1, default);
        var early = RandomNumberGenerator.GetBytes(32);
        var earlyWrapped = await provider.WrapAsync(key.KeyId, early, default);
        var generation = provider.Module.Generation;

        // 4 callers at once, 15 round trips each: 120 session objects, a recycle every 7.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 15; i++)
            {
                await RoundTripAsync(provider, key.KeyId);
            }
        })));

        Assert.Equal(early, await provider.UnwrapAsync(key.KeyId, earlyWrapped, default));
        var recycles = logger.Entries.Count(e => e.EventId.Name == "HsmModuleRecycled");
        Assert.InRange(recycles, 8, 17);
        Assert.Equal(generation + recycles, provider.Module.Generation);

        // A planned recycle is not a failure: no call had to be recovered, nothing logged as a warning.
        Assert.DoesNotContain(logger.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning);
    }

    [Fact]
    public async Task Default_OnSoftHsm26_RecyclesEvery100000Objects()
    {
        // Debian's softhsm2 (2.6.1), which CI installs, leaks destroyed session objects.
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "recycle-default"));
        Assert.True(provider.Module.LeaksDestroyedSessionObjects);
        Assert.Equal(100_000, provider.RecycleAfterObjects);
    }

    [Fact]
    public async Task RecycleModuleAfterObjectsZero_NeverRecycles()
    {
        var logger = new CollectingLogger<Pkcs11KeyProvider>();
        var options = _token.ProviderOptions(name: "recycle-never", sessionPoolSize: 2);
        options.RecycleModuleAfterObjects = 0;
        await using var provider = new Pkcs11KeyProvider(options, logger);
        var key = await provider.CreateKekAsync("recycle-never", 1, default);
        var generation = provider.Module.Generation;

        for (var i = 0; i < 20; i++)
        {
            await RoundTripAsync(provider, key.KeyId);
        }

        Assert.Equal(0, provider.RecycleAfterObjects);
        Assert.Equal(generation, provider.Module.Generation);
        Assert.DoesNotContain(logger.Entries, e => e.EventId.Name == "HsmModuleRecycled");
    }

    [Fact]
    public void RecycleModuleAfterObjectsNegative_IsAConfigurationError()
    {
        var options = _token.ProviderOptions(name: "recycle-bad");
        options.RecycleModuleAfterObjects = -1;
        var error = Assert.Throws<KeyServiceException>(() => new Pkcs11KeyProvider(options));
        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Contains("RecycleModuleAfterObjects", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A fresh data key wrapped and unwrapped: two session objects.</summary>
    private static async Task RoundTripAsync(Pkcs11KeyProvider provider, string keyId)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        Assert.Equal(dataKey, await provider.UnwrapAsync(keyId, await provider.WrapAsync(keyId, dataKey, default), default));
    }
}
