using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Keys;

public sealed class KeyManagerTests : IClassFixture<SoftHsmToken>
{
    private static readonly KeyUse Use = KeyUse.Cli("keys test");
    private readonly SoftHsmToken _token;

    public KeyManagerTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task InitAsync_TwiceOnEmptyToken_CreatesV1OfEachClassAndKeyPairOnce()
    {
        await using var harness = KeyServiceHarness.Create(_token, "one", "two");

        var first = await harness.Manager.InitAsync(Use, default);
        var firstEvents = harness.Log.Drain();
        var second = await harness.Manager.InitAsync(Use, default);

        Assert.Equal([true, true, true], first.Select(r => r.Created));
        Assert.Equal([1, 1, 1], first.Select(r => r.Primary!.Version));
        Assert.Equal([false, false, false], second.Select(r => r.Created));
        Assert.Equal(first.Select(r => r.Primary), second.Select(r => r.Primary));
        Assert.Equal(3, firstEvents.Count);
        Assert.All(firstEvents, e => Assert.Equal((KeyOperation.CreateKey, KeyEventResult.Ok), (e.Operation, e.Result)));
        Assert.Equal(["one", "two", "signing"], firstEvents.Select(e => e.KeyClass));
        Assert.Empty(harness.Log.Drain());
    }

    [Fact]
    public async Task ListAsync_AfterRotateAndShred_ShowsVersionsPrimaryResidencyProvider()
    {
        await using var harness = KeyServiceHarness.Create(_token, "listed");
        await harness.Manager.InitAsync(Use, default);
        await harness.Manager.RotateAsync("listed", Use, default);
        await harness.Manager.RotateAsync("listed", Use, default);
        await harness.Manager.ShredAsync("listed", 3, Use, default);

        var list = await harness.Manager.ListAsync(default);

        var listed = list.Single(s => s.Name == "listed");
        Assert.Equal((KeyKind.Kek, "softhsm", "fr", 2), (listed.Kind, listed.Provider, listed.Residency, listed.Primary));
        Assert.Equal([(1, false), (2, false), (3, true)], listed.Versions.Select(v => (v.Version, v.Destroyed)));
        var signing = list.Single(s => s.Name == "signing");
        Assert.Equal((KeyKind.RsaKeyPair, 1), (signing.Kind, signing.Primary));
    }

    [Fact]
    public async Task RotateAsync_AfterShreddingNewest_NeverReusesVersionNumber()
    {
        await using var harness = KeyServiceHarness.Create(_token, "norepeat");
        await harness.Manager.InitAsync(Use, default);
        await harness.Manager.RotateAsync("norepeat", Use, default);
        await harness.Manager.ShredAsync("norepeat", 2, Use, default);

        var rotated = await harness.Manager.RotateAsync("norepeat", Use, default);

        Assert.Equal(3, rotated.Version);
    }

    [Fact]
    public async Task ShredAsync_RecordsOneEventWithCountAndSecondShredDestroysNothing()
    {
        await using var harness = KeyServiceHarness.Create(_token, "shredme");
        var init = await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();

        var destroyed = await harness.Manager.ShredAsync("shredme", 1, Use, default);
        var events = harness.Log.Drain();
        var again = await harness.Manager.ShredAsync("shredme", 1, Use, default);

        Assert.Equal(1, destroyed);
        Assert.Equal(0, again);
        var shred = Assert.Single(events);
        Assert.Equal((KeyOperation.ShredKey, "shredme", init[0].Primary, KeyEventResult.Ok), (shred.Operation, shred.KeyClass, shred.Key, shred.Result));
        Assert.Equal("1", shred.Detail!["destroyedObjects"]);
    }

    [Fact]
    public async Task ShredAsync_UnknownVersion_ThrowsKeyNotFoundAndRecordsError()
    {
        await using var harness = KeyServiceHarness.Create(_token, "few");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Manager.ShredAsync("few", 7, Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        Assert.Contains("v1", error.Message, StringComparison.Ordinal);
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyOperation.ShredKey, KeyEventResult.Error, "KeyNotFound"), (recorded.Operation, recorded.Result, recorded.ErrorCode));
    }

    [Fact]
    public async Task RotateAsync_LogThrows_FailsRetryable()
    {
        await using var harness = KeyServiceHarness.Create(_token, "unlogged");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Manager.RotateAsync("unlogged", Use, default));

        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task RotateAsync_UnknownClass_ThrowsKeyNotFoundAndRecordsError()
    {
        await using var harness = KeyServiceHarness.Create(_token, "exists");

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Manager.RotateAsync("missing", Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyOperation.RotateKey, "missing", KeyEventResult.Error), (recorded.Operation, recorded.KeyClass, recorded.Result));
    }
}
