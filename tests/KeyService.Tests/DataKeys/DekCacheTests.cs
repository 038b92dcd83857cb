using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Tests.DataKeys;

public class DekCacheTests
{
    private static readonly KeyReference KeyV1 = new("confidential-fr", "0a01", 1);
    private static readonly KeyReference KeyV2 = new("confidential-fr", "0a02", 2);

    private static DekCache Cache(FakeTimeProvider time, int maxEntries = 3, int maxAgeMinutes = 5) =>
        new(Options.Create(new DekCacheOptions { MaxEntries = maxEntries, MaxAge = TimeSpan.FromMinutes(maxAgeMinutes) }), time);

    private static (EnvelopeHeader Header, byte[] Dek) NewObject(int seed, KeyReference? key = null, string objectId = "/a")
    {
        byte[] dek = new byte[32];
        new Random(seed).NextBytes(dek);
        byte[] wrapped = new byte[40];
        new Random(seed + 1000).NextBytes(wrapped);
        var header = KeyService.Envelope.Envelope.CreateHeader(key ?? KeyV1, wrapped, EncryptionContext.Parse([$"object={objectId}"]), dek);
        return (header, dek);
    }

    [Fact]
    public void TryGet_AfterAdd_ReturnsACopyOfTheKey()
    {
        using var cache = Cache(new FakeTimeProvider());
        var (header, dek) = NewObject(1);
        cache.Add(header, dek);
        var copy = new byte[32];
        Assert.True(cache.TryGet(header, copy));
        Assert.Equal(dek, copy);
        Assert.NotSame(cache.PeekBuffer(header), copy);
    }

    [Fact]
    public void TryGet_SameWrappedKeyOtherContext_Misses()
    {
        using var cache = Cache(new FakeTimeProvider());
        byte[] dek = new byte[32];
        byte[] wrapped = new byte[40];
        var a = KeyService.Envelope.Envelope.CreateHeader(KeyV1, wrapped, EncryptionContext.Parse(["object=/a"]), dek);
        var b = KeyService.Envelope.Envelope.CreateHeader(KeyV1, wrapped, EncryptionContext.Parse(["object=/b"]), dek);
        var aAgain = KeyService.Envelope.Envelope.CreateHeader(KeyV1, wrapped, EncryptionContext.Parse(["object=/a"]), dek);
        cache.Add(a, dek);
        Assert.False(cache.TryGet(b, new byte[32]));
        // Another envelope of the same object (other salt and nonce) shares the cached key.
        Assert.True(cache.TryGet(aAgain, new byte[32]));
    }

    [Fact]
    public void Add_BeyondMaxEntries_EvictsLeastRecentlyUsedAndZeroesIt()
    {
        using var cache = Cache(new FakeTimeProvider(), maxEntries: 2);
        var first = NewObject(1);
        var second = NewObject(2);
        var third = NewObject(3);
        cache.Add(first.Header, first.Dek);
        cache.Add(second.Header, second.Dek);
        Assert.True(cache.TryGet(first.Header, new byte[32])); // first is now the most recent
        byte[] secondBuffer = cache.PeekBuffer(second.Header)!;

        cache.Add(third.Header, third.Dek);

        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(second.Header, new byte[32]));
        Assert.True(cache.TryGet(first.Header, new byte[32]));
        Assert.True(cache.TryGet(third.Header, new byte[32]));
        Assert.All(secondBuffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void TryGet_AfterMaxAge_MissesAndTheSweeperZeroesUnreadKeys()
    {
        var time = new FakeTimeProvider();
        using var cache = Cache(time, maxAgeMinutes: 5);
        var read = NewObject(1);
        var unread = NewObject(2);
        cache.Add(read.Header, read.Dek);
        cache.Add(unread.Header, unread.Dek);
        byte[] unreadBuffer = cache.PeekBuffer(unread.Header)!;

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(cache.TryGet(read.Header, new byte[32]));

        time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet(read.Header, new byte[32]));

        // The sweeper timer (period 75 s for a 5-minute age) has run by now.
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, cache.Count);
        Assert.All(unreadBuffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void Evict_KeyVersion_DropsOnlyItsKeysAndZeroesThem()
    {
        using var cache = Cache(new FakeTimeProvider());
        var a = NewObject(1, KeyV1);
        var b = NewObject(2, KeyV2);
        cache.Add(a.Header, a.Dek);
        cache.Add(b.Header, b.Dek);
        byte[] aBuffer = cache.PeekBuffer(a.Header)!;

        Assert.Equal(1, cache.Evict(KeyV1));

        Assert.False(cache.TryGet(a.Header, new byte[32]));
        Assert.True(cache.TryGet(b.Header, new byte[32]));
        Assert.All(aBuffer, x => Assert.Equal(0, x));
    }

    [Fact]
    public void Dispose_ZeroesEveryKeyAndStopsCaching()
    {
        var cache = Cache(new FakeTimeProvider());
        var a = NewObject(1);
        cache.Add(a.Header, a.Dek);
        byte[] buffer = cache.PeekBuffer(a.Header)!;

        cache.Dispose();

        Assert.All(buffer, x => Assert.Equal(0, x));
        cache.Add(a.Header, a.Dek);
        Assert.False(cache.TryGet(a.Header, new byte[32]));
    }

    [Fact]
    public void Add_WithMaxEntriesZero_CachesNothing()
    {
        using var cache = Cache(new FakeTimeProvider(), maxEntries: 0);
        var a = NewObject(1);
        cache.Add(a.Header, a.Dek);
        Assert.False(cache.TryGet(a.Header, new byte[32]));
    }

    [Theory]
    [InlineData(-1, 5)]
    [InlineData(10, 0)]
    [InlineData(10, 60 * 25)]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting(int maxEntries, int maxAgeMinutes)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Cache(new FakeTimeProvider(), maxEntries, maxAgeMinutes));
        Assert.Contains("Sovereignty:DekCache:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreTheDocumentedOnes()
    {
        var options = new DekCacheOptions();
        Assert.Equal(10_000, options.MaxEntries);
        Assert.Equal(TimeSpan.FromMinutes(5), options.MaxAge);
        Assert.Empty(options.Validate());
    }
}
