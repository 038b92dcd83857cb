using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.Proxy.Identity;

namespace Sovereignty.Proxy.Tests.Identity;

public sealed class ValidatedTokenCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 29, 3, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Now);

    [Fact]
    public void TryGet_AfterAdd_ReturnsACopyOfThePrincipal()
    {
        ValidatedTokenCache cache = Cache();
        ClaimsPrincipal alice = Principal("alice", "collaborateurs-groupe");
        cache.Add("header.payload.signature", alice, Now.AddHours(1));

        Assert.True(cache.TryGet("header.payload.signature", out ClaimsPrincipal? found));

        Assert.NotSame(alice, found);
        Assert.Equal("alice", found!.FindFirst("sub")?.Value);
        Assert.Equal("collaborateurs-groupe", found.FindFirst("groups")?.Value);
        // A request that changes its principal must not change the next request's.
        ((ClaimsIdentity)found.Identity!).AddClaim(new Claim("groups", "administrateurs"));
        Assert.True(cache.TryGet("header.payload.signature", out ClaimsPrincipal? again));
        Assert.Single(again!.FindAll("groups"));
    }

    [Fact]
    public void TryGet_TokenDifferingInOneCharacter_IsNotFound()
    {
        ValidatedTokenCache cache = Cache();
        cache.Add("header.payload.signature", Principal("alice"), Now.AddHours(1));

        Assert.False(cache.TryGet("header.payload.signaturf", out _));
        Assert.False(cache.TryGet("header.payload.signatur", out _));
        Assert.False(cache.TryGet(string.Empty, out _));
    }

    [Fact]
    public void TryGet_AfterTheTokenExpires_IsNotFoundAndDropsIt()
    {
        ValidatedTokenCache cache = Cache();
        cache.Add("token", Principal("alice"), Now.AddSeconds(20));

        _time.Advance(TimeSpan.FromSeconds(19));
        Assert.True(cache.TryGet("token", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("token", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void TryGet_AfterTheCacheDuration_IsNotFound()
    {
        ValidatedTokenCache cache = Cache(duration: TimeSpan.FromMinutes(1));
        cache.Add("token", Principal("alice"), Now.AddHours(1));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(cache.TryGet("token", out _));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet("token", out _));
    }

    [Fact]
    public void Add_AlreadyExpiredToken_IsNotCached()
    {
        ValidatedTokenCache cache = Cache();
        cache.Add("token", Principal("alice"), Now);

        Assert.False(cache.TryGet("token", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_WithZeroDuration_CachesNothing()
    {
        ValidatedTokenCache cache = Cache(duration: TimeSpan.Zero);
        cache.Add("token", Principal("alice"), Now.AddHours(1));

        Assert.False(cache.TryGet("token", out _));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_WhenFull_DropsExpiredEntriesAndNeverExceedsTheCapacity()
    {
        ValidatedTokenCache cache = Cache(capacity: 3);
        cache.Add("short-1", Principal("a"), Now.AddSeconds(10));
        cache.Add("long-1", Principal("b"), Now.AddHours(1));
        cache.Add("long-2", Principal("c"), Now.AddHours(1));

        cache.Add("refused", Principal("d"), Now.AddHours(1));
        Assert.Equal(3, cache.Count);
        Assert.False(cache.TryGet("refused", out _));

        _time.Advance(TimeSpan.FromSeconds(10));
        cache.Add("admitted", Principal("e"), Now.AddHours(1));
        Assert.Equal(3, cache.Count);
        Assert.True(cache.TryGet("admitted", out ClaimsPrincipal? admitted));
        Assert.Equal("e", admitted!.FindFirst("sub")?.Value);
        Assert.True(cache.TryGet("long-1", out _));
    }

    private ValidatedTokenCache Cache(TimeSpan? duration = null, int capacity = 100)
    {
        var options = new IdentityOptions
        {
            ValidatedTokenCacheDuration = duration ?? TimeSpan.FromMinutes(5),
            ValidatedTokenCacheSize = capacity,
        };
        return new ValidatedTokenCache(Options.Create(options), _time);
    }

    private static ClaimsPrincipal Principal(string subject, params string[] groups) =>
        new(new ClaimsIdentity([new Claim("sub", subject), .. groups.Select(g => new Claim("groups", g))], "Bearer", "sub", "role"));
}
