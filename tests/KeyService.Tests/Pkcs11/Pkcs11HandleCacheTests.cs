using Microsoft.Extensions.Time.Testing;
using Net.Pkcs11Interop.HighLevelAPI;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Tests.Pkcs11;

public sealed class Pkcs11HandleCacheTests
{
    private const int Generation = 1;
    private static readonly IObjectHandle Token = Handle(7);
    private static readonly IObjectHandle Copy = Handle(8);

    private readonly FakeTimeProvider _time = new();
    private readonly List<ulong> _discarded = [];

    private static IObjectHandle Handle(ulong id) => Pkcs11Module.Factories.ObjectHandleFactory.Create(id);

    private void Discard(IObjectHandle handle) => _discarded.Add(handle.ObjectId);

    [Fact]
    public void Get_WithinRecheckInterval_ReturnsWorkingHandleWithoutAsking()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);
        var asked = 0;

        var found = cache.Get("k", Generation, _ => ++asked > 0, Discard);

        Assert.Same(Copy, found);
        Assert.Equal(0, asked);
    }

    [Fact]
    public void Get_AfterIntervalAndKeyChanged_DropsEntryAndDiscardsItsCopy()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);
        _time.Advance(Pkcs11HandleCache.RecheckInterval);
        IObjectHandle? asked = null;

        Assert.Null(cache.Get("k", Generation, handle => (asked = handle) is null, Discard));
        Assert.Null(cache.Get("k", Generation, _ => true, Discard));
        Assert.Same(Token, asked); // the token object is what is checked, not the copy
        Assert.Equal([8UL], _discarded);
    }

    [Fact]
    public void Get_AfterIntervalAndKeyUnchanged_KeepsHandleAndTrustsItAgain()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);
        _time.Advance(Pkcs11HandleCache.RecheckInterval);
        var asked = 0;

        Assert.Same(Copy, cache.Get("k", Generation, _ => ++asked == 1, Discard));
        Assert.Same(Copy, cache.Get("k", Generation, _ => ++asked == 1, Discard));
        Assert.Equal(1, asked);
        Assert.Empty(_discarded);
    }

    [Fact]
    public void Get_ModuleReinitialisedSince_DropsEntryWithoutTouchingItsHandles()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);

        Assert.Null(cache.Get("k", Generation + 1, _ => throw new InvalidOperationException("a dead handle must not be asked"), Discard));
        Assert.Null(cache.Get("k", Generation, _ => true, Discard));
        Assert.Empty(_discarded); // its number may already name another object
    }

    [Fact]
    public void Add_AnotherCallerCachedTheKeyFirst_KeepsTheirsAndDiscardsTheNewCopy()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);

        var used = cache.Add("k", Token, Handle(9), Generation, Discard);

        Assert.Same(Copy, used);
        Assert.Equal([9UL], _discarded);
    }

    [Fact]
    public void Add_NoCopy_NothingIsEverDiscarded()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Token, Generation, Discard);

        Assert.Same(Token, cache.Add("k", Token, Handle(7), Generation, Discard));
        cache.Remove("k", Discard);

        Assert.Empty(_discarded);
    }

    [Fact]
    public void Remove_EntryWithCopy_DiscardsTheCopy()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);

        cache.Remove("k", Discard);

        Assert.Null(cache.Get("k", Generation, _ => true, Discard));
        Assert.Equal([8UL], _discarded);
    }

    [Fact]
    public void Clear_AfterLostSessions_ForgetsWithoutDiscarding()
    {
        var cache = new Pkcs11HandleCache(_time);
        cache.Add("k", Token, Copy, Generation, Discard);

        cache.Clear();

        Assert.Null(cache.Get("k", Generation, _ => true, Discard));
        Assert.Empty(_discarded);
    }
}
