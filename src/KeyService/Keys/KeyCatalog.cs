using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// The configured key classes and key pairs resolved to their providers, with each class's
/// versions as the token lists them (cached briefly; the token stays the source of truth).
/// Shared by <see cref="KeyRing"/>, <see cref="KeyManager"/> and <see cref="KeyPairRing"/>.
/// </summary>
public sealed class KeyCatalog
{
    private readonly Dictionary<string, KeyClassOptions> _classes;
    private readonly Dictionary<string, KeyPairOptions> _keyPairs;
    private readonly Dictionary<string, CachedVersions> _versions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <summary>Validates <paramref name="options"/> (throws <see cref="KeyErrorKind.Configuration"/>) and resolves them.</summary>
    public KeyCatalog(HsmOptions options, KeyProviderRegistry providers, TimeProvider timeProvider)
    {
        HsmOptionsValidator.ThrowIfInvalid(options);
        Providers = providers;
        _time = timeProvider;
        _lifetime = options.VersionCacheLifetime;
        _classes = options.KeyClasses.ToDictionary(c => c.Name, StringComparer.Ordinal);
        _keyPairs = options.KeyPairs.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Classes = [.. options.KeyClasses.Select(c => new KeyClassInfo(c.Name, c.Provider, c.Residency))];
        KeyPairs = [.. options.KeyPairs.Select(p => new KeyClassInfo(p.Name, p.Provider, p.Residency))];
    }

    /// <summary>The configured key classes, in configuration order.</summary>
    public IReadOnlyList<KeyClassInfo> Classes { get; }

    /// <summary>The configured key pairs, in configuration order.</summary>
    public IReadOnlyList<KeyClassInfo> KeyPairs { get; }

    /// <summary>The providers.</summary>
    public KeyProviderRegistry Providers { get; }

    internal (KeyClassOptions Options, IKeyProvider Provider) ResolveClass(string keyClass)
    {
        if (!_classes.TryGetValue(keyClass, out var options))
        {
            throw new KeyServiceException(KeyErrorKind.KeyNotFound,
                $"Key class '{keyClass}' is not configured (Sovereignty:Hsm:KeyClasses); configured: {string.Join(", ", _classes.Keys)}.");
        }

        return (options, Providers.GetKeyProvider(options.Provider));
    }

    internal (KeyPairOptions Options, IAsymmetricKeyProvider Provider) ResolveKeyPair(string name)
    {
        if (!_keyPairs.TryGetValue(name, out var options))
        {
            throw new KeyServiceException(KeyErrorKind.KeyNotFound,
                $"Key pair '{name}' is not configured (Sovereignty:Hsm:KeyPairs); configured: {string.Join(", ", _keyPairs.Keys)}.");
        }

        return (options, Providers.GetAsymmetricKeyProvider(options.Provider));
    }

    /// <summary>Every version of <paramref name="keyClass"/> (destroyed ones included), lowest first.</summary>
    internal async Task<IReadOnlyList<ProviderKey>> GetVersionsAsync(string keyClass, bool refresh, CancellationToken cancellationToken)
    {
        var (options, provider) = ResolveClass(keyClass);
        var now = _time.GetUtcNow();
        if (!refresh)
        {
            lock (_gate)
            {
                if (_versions.TryGetValue(keyClass, out var cached) && now - cached.FetchedAt < _lifetime)
                {
                    return cached.Versions;
                }
            }
        }

        var versions = await provider.ListKeksAsync(options.EffectiveKeyLabel, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _versions[keyClass] = new CachedVersions(versions, now);
        }

        return versions;
    }

    /// <summary>Forgets the cached versions of <paramref name="keyClass"/> (after a local rotate or shred).</summary>
    internal void Invalidate(string keyClass)
    {
        lock (_gate)
        {
            _versions.Remove(keyClass);
        }
    }

    private sealed record CachedVersions(IReadOnlyList<ProviderKey> Versions, DateTimeOffset FetchedAt);
}
