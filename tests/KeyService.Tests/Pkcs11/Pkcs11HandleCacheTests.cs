using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Tests.Pkcs11;

public sealed class Pkcs11HandleCacheTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Get_WithinRecheckInterval_ReturnsHandleWithoutAsking()
    {
        var cache = new Pkcs11HandleCache(_time);
        var handle = cache.Add("k", Pkcs11Module.Factories.ObjectHandleFactory.Create(7));
        var asked = 0;

        var found = cache.Get("k", _ => ++asked > 0);

        Assert.Same(handle, found);
        Assert.Equal(0, asked);
    }

    [Fact]
    public void Get_AfterIntervalAndKeyChanged_DropsHandle()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Pkcs11Module.Factories.ObjectHandleFactory.Create(7));
        _time.Advance(Pkcs11HandleCache.RecheckInterval);

        Assert.Null(cache.Get("k", _ => false));
        Assert.Null(cache.Get("k", _ => true));
    }

    [Fact]
    public void Get_AfterIntervalAndKeyUnchanged_KeepsHandleAndTrustsItAgain()
    {
        var cache = new Pkcs11HandleCache(_time);
        var handle = cache.Add("k", Pkcs11Module.Factories.ObjectHandleFactory.Create(7));
        _time.Advance(Pkcs11HandleCache.RecheckInterval);
        var asked = 0;

        Assert.Same(handle, cache.Get("k", _ => ++asked == 1));
        Assert.Same(handle, cache.Get("k", _ => ++asked == 1));
        Assert.Equal(1, asked);
    }
}
