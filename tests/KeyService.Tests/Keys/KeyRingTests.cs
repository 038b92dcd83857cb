using System.Security.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Keys;

public sealed class KeyRingTests : IClassFixture<SoftHsmToken>
{
    private static readonly KeyUse Use = new() { Actor = "alice", ObjectId = "/docs/plan.pdf", Purpose = "rule-7", CorrelationId = "c-1" };
    private readonly SoftHsmToken _token;

    public KeyRingTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task WrapAsync_ThenUnwrapAsync_RoundTripsAndRecordsOneEventEach()
    {
        await using var harness = KeyServiceHarness.Create(_token, "confidential-fr");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = await harness.Ring.WrapAsync("confidential-fr", dataKey, Use, default);
        var wrapEvents = harness.Log.Drain();
        var unwrapped = await harness.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default);
        var unwrapEvents = harness.Log.Drain();

        Assert.Equal(dataKey, unwrapped);
        Assert.Equal(1, wrapped.Key.Version);
        Assert.Equal([new KeyEvent(KeyOperation.WrapDataKey, "confidential-fr", wrapped.Key, Use, KeyEventResult.Ok)], wrapEvents);
        Assert.Equal([new KeyEvent(KeyOperation.UnwrapDataKey, "confidential-fr", wrapped.Key, Use, KeyEventResult.Ok)], unwrapEvents);
    }

    [Fact]
    public async Task UnwrapAsync_AfterRotation_OldVersionStillUnwrapsAndNewWrapsUsePrimary()
    {
        await using var harness = KeyServiceHarness.Create(_token, "internal");
        await harness.Manager.InitAsync(Use, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var old = await harness.Ring.WrapAsync("internal", dataKey, Use, default);

        var rotated = await harness.Manager.RotateAsync("internal", Use, default);
        var fresh = await harness.Ring.WrapAsync("internal", dataKey, Use, default);

        Assert.Equal(2, rotated.Version);
        Assert.Equal(rotated, fresh.Key);
        Assert.Equal(dataKey, await harness.Ring.UnwrapAsync(old.Key, old.WrappedKey, Use, default));
        Assert.Equal(dataKey, await harness.Ring.UnwrapAsync(fresh.Key, fresh.WrappedKey, Use, default));
    }

    [Fact]
    public async Task WrapAsync_RotatedOnAnotherNode_UsesNewPrimaryAfterCacheLifetime()
    {
        await using var node1 = KeyServiceHarness.Create(_token, "shared");
        await node1.Manager.InitAsync(Use, default);
        var first = await node1.Ring.WrapAsync("shared", new byte[32], Use, default);
        // A second node with its own catalog over the same token and labels.
        var options = node1.Options;
        await using var registry2 = new Sovereignty.KeyService.Providers.KeyProviderRegistry(options);
        var manager2 = new KeyManager(new KeyCatalog(options, registry2, TimeProvider.System), node1.Log);

        var rotated = await manager2.RotateAsync("shared", Use, default);
        var beforeExpiry = await node1.Ring.WrapAsync("shared", new byte[32], Use, default);
        node1.Time.Advance(options.VersionCacheLifetime + TimeSpan.FromSeconds(1));
        var afterExpiry = await node1.Ring.WrapAsync("shared", new byte[32], Use, default);

        Assert.Equal(first.Key, beforeExpiry.Key);
        Assert.Equal(rotated, afterExpiry.Key);
    }

    [Fact]
    public async Task UnwrapAsync_ShreddedVersion_ThrowsKeyDestroyedAndRecordsError()
    {
        await using var harness = KeyServiceHarness.Create(_token, "secret");
        await harness.Manager.InitAsync(Use, default);
        var wrapped = await harness.Ring.WrapAsync("secret", RandomNumberGenerator.GetBytes(32), Use, default);
        await harness.Manager.RotateAsync("secret", Use, default);
        Assert.Equal(1, await harness.Manager.ShredAsync("secret", 1, Use, default));
        harness.Log.Drain();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.KeyDestroyed, error.Kind);
        Assert.False(error.IsRetryable);
        Assert.Equal([new KeyEvent(KeyOperation.UnwrapDataKey, "secret", wrapped.Key, Use, KeyEventResult.Error, "KeyDestroyed")], harness.Log.Drain());
    }

    [Fact]
    public async Task UnwrapAsync_ShreddedByAnotherNode_ThrowsKeyDestroyedOnceTheRecheckIntervalPassed()
    {
        await using var node1 = KeyServiceHarness.Create(_token, "remote");
        await node1.Manager.InitAsync(Use, default);
        var wrapped = await node1.Ring.WrapAsync("remote", RandomNumberGenerator.GetBytes(32), Use, default);
        await using var registry2 = new Sovereignty.KeyService.Providers.KeyProviderRegistry(node1.Options);
        var manager2 = new KeyManager(new KeyCatalog(node1.Options, registry2, TimeProvider.System), node1.Log);
        await manager2.ShredAsync("remote", 1, Use, default);
        // Node 1 works with a copy of the version inside the HSM and checks the token object
        // again at most this long after its last check (docs/hsm.md, "Working copies").
        await Task.Delay(Sovereignty.KeyService.Pkcs11.Pkcs11HandleCache.RecheckInterval);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => node1.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.KeyDestroyed, error.Kind);
    }

    [Fact]
    public async Task WrapAsync_OnlyVersionShredded_ThrowsKeyNotFoundSayingRotate()
    {
        await using var harness = KeyServiceHarness.Create(_token, "gone");
        await harness.Manager.InitAsync(Use, default);
        await harness.Manager.ShredAsync("gone", 1, Use, default);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.WrapAsync("gone", new byte[32], Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        Assert.Contains("keys rotate --class gone", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrapAsync_UnknownClass_ThrowsKeyNotFoundAndRecordsError()
    {
        await using var harness = KeyServiceHarness.Create(_token, "known");

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.WrapAsync("unknown", new byte[32], Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        Assert.Equal([new KeyEvent(KeyOperation.WrapDataKey, "unknown", null, Use, KeyEventResult.Error, "KeyNotFound")], harness.Log.Drain());
    }

    [Fact]
    public async Task UnwrapAsync_UnknownKeyId_ThrowsKeyNotFound()
    {
        await using var harness = KeyServiceHarness.Create(_token, "known");
        await harness.Manager.InitAsync(Use, default);
        var reference = new KeyReference("known", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), 1);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.UnwrapAsync(reference, new byte[40], Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task UnwrapAsync_ReferenceWithWrongVersion_ThrowsInvalidData()
    {
        await using var harness = KeyServiceHarness.Create(_token, "versioned");
        await harness.Manager.InitAsync(Use, default);
        var wrapped = await harness.Ring.WrapAsync("versioned", new byte[32], Use, default);

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => harness.Ring.UnwrapAsync(wrapped.Key with { Version = 2 }, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public async Task UnwrapAsync_KeyIdOfAnotherClass_ThrowsKeyNotFound()
    {
        await using var harness = KeyServiceHarness.Create(_token, "class-a", "class-b");
        await harness.Manager.InitAsync(Use, default);
        var wrapped = await harness.Ring.WrapAsync("class-a", new byte[32], Use, default);

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => harness.Ring.UnwrapAsync(wrapped.Key with { KeyClass = "class-b" }, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task UnwrapAsync_TamperedWrappedKey_ThrowsInvalidDataAndRecordsCkr()
    {
        await using var harness = KeyServiceHarness.Create(_token, "tamper");
        await harness.Manager.InitAsync(Use, default);
        var wrapped = await harness.Ring.WrapAsync("tamper", new byte[32], Use, default);
        wrapped.WrappedKey[^1] ^= 1;
        harness.Log.Drain();

        var error = await Assert.ThrowsAsync<Sovereignty.KeyService.Pkcs11.HsmException>(
            () => harness.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyEventResult.Error, error.ErrorCode), (recorded.Result, recorded.ErrorCode));
    }

    [Fact]
    public async Task WrapAsync_LogThrows_FailsRetryableAndReturnsNothing()
    {
        await using var harness = KeyServiceHarness.Create(_token, "audited");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.WrapAsync("audited", new byte[32], Use, default));

        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
        Assert.True(error.IsRetryable);
    }

    [Fact]
    public async Task BeginWrapAsync_SlowLog_ReturnsTheWrappedKeyBeforeTheEvent_RecordedCompletesWithIt()
    {
        await using var harness = KeyServiceHarness.Create(_token, "audited");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        harness.Log.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var pending = await harness.Ring.BeginWrapAsync("audited", dataKey, Use, default);

        Assert.False(pending.Recorded.IsCompleted);
        Assert.Empty(harness.Log.Events);
        harness.Log.Hold.SetResult();
        await pending.Recorded;
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyOperation.WrapDataKey, KeyEventResult.Ok, pending.Result.Key), (recorded.Operation, recorded.Result, recorded.Key));
        harness.Log.Hold = null;
        Assert.Equal(dataKey, await harness.Ring.UnwrapAsync(pending.Result.Key, pending.Result.WrappedKey, Use, default));
    }

    [Fact]
    public async Task BeginWrapAsync_LogFailsAfterTheWrap_RecordedFailsRetryable()
    {
        await using var harness = KeyServiceHarness.Create(_token, "audited");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        harness.Log.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var pending = await harness.Ring.BeginWrapAsync("audited", new byte[32], Use, default);
        harness.Log.Hold.SetException(new InvalidOperationException("Redis went away (test)"));

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => pending.Recorded);
        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
        Assert.True(error.IsRetryable);
        Assert.Empty(harness.Log.Events);
    }

    [Fact]
    public async Task UnwrapAsync_LogThrows_FailsRetryable()
    {
        await using var harness = KeyServiceHarness.Create(_token, "audited");
        await harness.Manager.InitAsync(Use, default);
        var wrapped = await harness.Ring.WrapAsync("audited", new byte[32], Use, default);
        harness.Log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => harness.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));

        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
    }

    [Fact]
    public async Task WrapUnwrap_ManyTasksConcurrently_OneEventPerOperation()
    {
        await using var harness = KeyServiceHarness.Create(_token, "busy");
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var dataKey = RandomNumberGenerator.GetBytes(32);
                var wrapped = await harness.Ring.WrapAsync("busy", dataKey, Use, default);
                Assert.Equal(dataKey, await harness.Ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));
            }
        })));

        var events = harness.Log.Drain();
        Assert.Equal(200, events.Count(e => e.Operation == KeyOperation.WrapDataKey && e.Result == KeyEventResult.Ok));
        Assert.Equal(200, events.Count(e => e.Operation == KeyOperation.UnwrapDataKey && e.Result == KeyEventResult.Ok));
        Assert.Equal(400, events.Count);
    }

    [Fact]
    public async Task Classes_Configured_ListsNameProviderResidency()
    {
        await using var harness = KeyServiceHarness.Create(_token, "a", "b");

        Assert.Equal([new KeyClassInfo("a", "softhsm", "fr"), new KeyClassInfo("b", "softhsm", "fr")], harness.Ring.Classes);
    }
}
