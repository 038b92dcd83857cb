using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Identity;

/// <summary>
/// Bearer tokens that passed full validation (signature, issuer, audience, lifetime), kept for
/// a short while so that a client sending the same token on every request does not pay a
/// signature check each time (an ECDSA or RSA verify, plus parsing and claims building: about a
/// fifth of the request-path CPU of a 4 KiB document request). Configured by
/// <see cref="IdentityOptions.ValidatedTokenCacheDuration"/> and <see cref="IdentityOptions.ValidatedTokenCacheSize"/>.
/// </summary>
/// <remarks>
/// An entry is keyed by the whole compact token (signature included), so only the exact bytes
/// that were verified are ever recognised. It is served until the earlier of the token's own
/// expiry (<c>exp</c>, without the clock skew the full check allows) and the cache duration:
/// a signing key withdrawn from the JWKS stops its tokens within that duration. Each hit hands
/// out a copy of the principal, so nothing a request does to its user reaches another request.
/// The cache is bounded: when full, expired entries are dropped (at most once a second) and, if
/// it is still full, new tokens are simply validated without being cached.
/// </remarks>
internal sealed class ValidatedTokenCache(IOptions<IdentityOptions> options, TimeProvider time)
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _duration = options.Value.ValidatedTokenCacheDuration;
    private readonly int _capacity = options.Value.ValidatedTokenCacheSize;
    private long _nextPurgeTicks;

    /// <summary>Tokens held now (for tests and diagnostics).</summary>
    public int Count => _entries.Count;

    /// <summary>A copy of the principal of <paramref name="token"/> when it was validated and has not expired since.</summary>
    public bool TryGet(ReadOnlySpan<char> token, out ClaimsPrincipal? principal)
    {
        principal = null;
        ConcurrentDictionary<string, Entry>.AlternateLookup<ReadOnlySpan<char>> lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        if (_duration <= TimeSpan.Zero || !lookup.TryGetValue(token, out string? key, out Entry? entry))
        {
            return false;
        }

        if (time.GetUtcNow() >= entry.Until)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            return false;
        }

        principal = Copy(entry.Principal);
        return true;
    }

    /// <summary>Remembers that <paramref name="token"/>, valid until <paramref name="expires"/>, authenticates <paramref name="principal"/>.</summary>
    public void Add(string token, ClaimsPrincipal principal, DateTimeOffset expires)
    {
        if (_duration <= TimeSpan.Zero)
        {
            return;
        }

        DateTimeOffset now = time.GetUtcNow();
        DateTimeOffset until = now + _duration < expires ? now + _duration : expires;
        if (until <= now)
        {
            return;
        }

        if (_entries.Count >= _capacity && !_entries.ContainsKey(token))
        {
            // At most one sweep a second, so a full cache of live tokens costs new tokens nothing.
            if (now.UtcTicks >= Volatile.Read(ref _nextPurgeTicks))
            {
                Volatile.Write(ref _nextPurgeTicks, (now + PurgeInterval).UtcTicks);
                foreach (KeyValuePair<string, Entry> expired in _entries.Where(e => now >= e.Value.Until))
                {
                    _entries.TryRemove(expired);
                }
            }

            if (_entries.Count >= _capacity)
            {
                return;
            }
        }

        _entries[token] = new Entry(Copy(principal), until);
    }

    // ClaimsPrincipal.Clone shares the identities (and so their claim lists): copy them too.
    private static ClaimsPrincipal Copy(ClaimsPrincipal principal) => new(principal.Identities.Select(identity => identity.Clone()));

    private sealed record Entry(ClaimsPrincipal Principal, DateTimeOffset Until);
}
