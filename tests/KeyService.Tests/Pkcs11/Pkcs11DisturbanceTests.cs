using System.Security.Cryptography;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>
/// Tests that disturb the whole test process: forced collections and finalizers, and a token
/// pulled out of the token directory every module copy reads. They run alone, after the
/// parallel tests, so they cannot make other tests fail.
/// </summary>
[Collection(ProcessWideHsmDisturbances.Name)]
public sealed class Pkcs11DisturbanceTests : IDisposable
{
    private readonly SoftHsmToken _token = SoftHsmToken.Create("disturb");

    public void Dispose() => _token.Dispose();

    private static string NewLabel() => "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    [Fact]
    public async Task WrapUnwrap_FinalizersRunningThroughout_AllRoundTrip()
    {
        // Regression: attribute templates collected and finalized in the middle of C_CreateObject /
        // C_UnwrapKey made SoftHSM read freed memory (CKR_ATTRIBUTE_VALUE_INVALID) under load.
        // Forcing collections and finalizers all along makes that window wide open.
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "gc", sessionPoolSize: 2));
        var key = await provider.CreateKekAsync(NewLabel(), 1, default);
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });

        try
        {
            await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
            {
                for (var i = 0; i < 3000; i++)
                {
                    var dataKey = RandomNumberGenerator.GetBytes(32);
                    var wrapped = await provider.WrapAsync(key.KeyId, dataKey, default);
                    Assert.Equal(dataKey, await provider.UnwrapAsync(key.KeyId, wrapped, default));
                }
            })));
        }
        finally
        {
            await stop.CancelAsync();
            await collector;
        }
    }

    [Fact]
    public async Task UnwrapAsync_TokenUnpluggedThenBack_RetryableWhileGoneThenWorksWithoutRestart()
    {
        using var token = SoftHsmToken.Create("unplug");
        await using var provider = new Pkcs11KeyProvider(token.ProviderOptions(name: "unplug"));
        var key = await provider.CreateKekAsync(NewLabel(), 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await provider.WrapAsync(key.KeyId, dataKey, default);

        KeyServiceException whileGone;
        using (token.Unplug())
        {
            whileGone = await Assert.ThrowsAnyAsync<KeyServiceException>(() => provider.UnwrapAsync(key.KeyId, wrapped, default));
        }

        // Back: the provider rescans on its own (at most every 2 s), no restart, no help from outside.
        byte[]? unwrapped = null;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (unwrapped is null && DateTime.UtcNow < deadline)
        {
            try
            {
                unwrapped = await provider.UnwrapAsync(key.KeyId, wrapped, default);
            }
            catch (KeyServiceException ex) when (ex.IsRetryable)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(whileGone.IsRetryable, whileGone.Message);
        Assert.Contains("no longer present", whileGone.Message, StringComparison.Ordinal);
        Assert.Equal(dataKey, unwrapped);
    }
}

/// <summary>The collection of tests that must not run beside others (see <see cref="Pkcs11DisturbanceTests"/>).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideHsmDisturbances
{
    public const string Name = "Process-wide HSM disturbances";
}
