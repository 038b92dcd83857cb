using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// The operators' key lifecycle: create the first version of each class (and each key pair),
/// list, rotate, shred. Every change records one key event; listing is not a key use.
/// </summary>
public sealed class KeyManager
{
    private readonly KeyCatalog _catalog;
    private readonly IKeyEventLog _log;

    public KeyManager(KeyCatalog catalog, IKeyEventLog log)
    {
        _catalog = catalog;
        _log = log;
    }

    /// <summary>
    /// Creates version 1 of every class that has no version at all, and every configured key
    /// pair that does not exist. A class whose versions were all shredded is left alone (shown
    /// as such): creating a key there is a deliberate <see cref="RotateAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<KeyInitResult>> InitAsync(KeyUse use, CancellationToken cancellationToken)
    {
        var results = new List<KeyInitResult>();
        foreach (var keyClass in _catalog.Classes)
        {
            var versions = await _catalog.GetVersionsAsync(keyClass.Name, refresh: true, cancellationToken).ConfigureAwait(false);
            if (versions.Count > 0)
            {
                results.Add(new KeyInitResult(keyClass.Name, Created: false, versions.LastOrDefault(v => !v.Destroyed) is { } live
                    ? new KeyReference(keyClass.Name, live.KeyId, live.Version)
                    : null));
                continue;
            }

            var created = await CreateVersionAsync(keyClass.Name, KeyOperation.CreateKey, use, cancellationToken).ConfigureAwait(false);
            results.Add(new KeyInitResult(keyClass.Name, Created: true, created));
        }

        foreach (var keyPair in _catalog.KeyPairs)
        {
            var (options, provider) = _catalog.ResolveKeyPair(keyPair.Name);
            RsaPublicKeyInfo? existing = null;
            try
            {
                existing = await provider.GetRsaPublicKeyAsync(options.EffectiveKeyLabel, cancellationToken).ConfigureAwait(false);
            }
            catch (KeyServiceException ex) when (ex.Kind == KeyErrorKind.KeyNotFound)
            {
                // Not there yet: created below.
            }

            if (existing is not null)
            {
                results.Add(new KeyInitResult(keyPair.Name, Created: false, new KeyReference(keyPair.Name, existing.KeyId, 1)));
                continue;
            }

            RsaPublicKeyInfo created;
            try
            {
                created = await provider.CreateRsaKeyPairAsync(options.EffectiveKeyLabel, options.ModulusBits, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(KeyOperation.CreateKey, keyPair.Name, null, use, ex), cancellationToken).ConfigureAwait(false);
                throw;
            }

            var reference = new KeyReference(keyPair.Name, created.KeyId, 1);
            await KeyEventRecorder.RecordAsync(_log, new KeyEvent(KeyOperation.CreateKey, keyPair.Name, reference, use, KeyEventResult.Ok,
                Detail: new Dictionary<string, string> { ["algorithm"] = $"RSA-{created.ModulusBits}" }), cancellationToken).ConfigureAwait(false);
            results.Add(new KeyInitResult(keyPair.Name, Created: true, reference));
        }

        return results;
    }

    /// <summary>Every class and key pair with its provider, residency and versions, read from the tokens.</summary>
    public async Task<IReadOnlyList<KeyClassStatus>> ListAsync(CancellationToken cancellationToken)
    {
        var list = new List<KeyClassStatus>();
        foreach (var keyClass in _catalog.Classes)
        {
            var versions = await _catalog.GetVersionsAsync(keyClass.Name, refresh: true, cancellationToken).ConfigureAwait(false);
            var primary = versions.LastOrDefault(v => !v.Destroyed);
            list.Add(new KeyClassStatus(keyClass.Name, KeyKind.Kek, keyClass.Provider, keyClass.Residency,
                _catalog.ResolveClass(keyClass.Name).Options.EffectiveKeyLabel,
                [.. versions.Select(v => new KeyVersionStatus(v.Version, v.KeyId, v.Destroyed))], primary?.Version));
        }

        foreach (var keyPair in _catalog.KeyPairs)
        {
            var (options, provider) = _catalog.ResolveKeyPair(keyPair.Name);
            IReadOnlyList<KeyVersionStatus> versions = [];
            try
            {
                var info = await provider.GetRsaPublicKeyAsync(options.EffectiveKeyLabel, cancellationToken).ConfigureAwait(false);
                versions = [new KeyVersionStatus(1, info.KeyId, Destroyed: false)];
            }
            catch (KeyServiceException ex) when (ex.Kind == KeyErrorKind.KeyNotFound)
            {
                // Listed without versions: `keys init` creates it.
            }

            list.Add(new KeyClassStatus(keyPair.Name, KeyKind.RsaKeyPair, keyPair.Provider, keyPair.Residency, options.EffectiveKeyLabel,
                versions, versions.Count > 0 ? 1 : null));
        }

        return list;
    }

    /// <summary>Creates the next version of <paramref name="keyClass"/>, which becomes its primary.</summary>
    public Task<KeyReference> RotateAsync(string keyClass, KeyUse use, CancellationToken cancellationToken) =>
        CreateVersionAsync(keyClass, KeyOperation.RotateKey, use, cancellationToken);

    /// <summary>
    /// Destroys version <paramref name="version"/> of <paramref name="keyClass"/>: every data key
    /// wrapped under it becomes unrecoverable. Returns the number of key objects destroyed
    /// (0 when the version was already shredded).
    /// </summary>
    public async Task<int> ShredAsync(string keyClass, int version, KeyUse use, CancellationToken cancellationToken)
    {
        KeyReference? key = null;
        int destroyed;
        try
        {
            var provider = _catalog.ResolveClass(keyClass).Provider;
            var versions = await _catalog.GetVersionsAsync(keyClass, refresh: true, cancellationToken).ConfigureAwait(false);
            var target = versions.FirstOrDefault(v => v.Version == version) ?? throw new KeyServiceException(KeyErrorKind.KeyNotFound,
                $"Key class '{keyClass}' has no version {version} (versions: {(versions.Count == 0 ? "none" : string.Join(", ", versions.Select(v => $"v{v.Version}")))}).");
            key = new KeyReference(keyClass, target.KeyId, target.Version);
            destroyed = await provider.DestroyKekAsync(target.KeyId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(KeyOperation.ShredKey, keyClass, key, use, ex), cancellationToken).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _catalog.Invalidate(keyClass);
        }

        await KeyEventRecorder.RecordAsync(_log, new KeyEvent(KeyOperation.ShredKey, keyClass, key, use, KeyEventResult.Ok,
            Detail: new Dictionary<string, string> { ["destroyedObjects"] = destroyed.ToString(System.Globalization.CultureInfo.InvariantCulture) }), cancellationToken).ConfigureAwait(false);
        return destroyed;
    }

    private async Task<KeyReference> CreateVersionAsync(string keyClass, KeyOperation operation, KeyUse use, CancellationToken cancellationToken)
    {
        KeyReference key;
        try
        {
            var (options, provider) = _catalog.ResolveClass(keyClass);
            var versions = await _catalog.GetVersionsAsync(keyClass, refresh: true, cancellationToken).ConfigureAwait(false);
            var next = versions.Count == 0 ? 1 : versions[^1].Version + 1;
            var created = await provider.CreateKekAsync(options.EffectiveKeyLabel, next, cancellationToken).ConfigureAwait(false);
            key = new KeyReference(keyClass, created.KeyId, created.Version);
        }
        catch (Exception ex)
        {
            await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(operation, keyClass, null, use, ex), cancellationToken).ConfigureAwait(false);
            throw;
        }
        finally
        {
            _catalog.Invalidate(keyClass);
        }

        await KeyEventRecorder.RecordAsync(_log, new KeyEvent(operation, keyClass, key, use, KeyEventResult.Ok), cancellationToken).ConfigureAwait(false);
        return key;
    }
}

/// <summary>What <see cref="KeyManager.InitAsync"/> did for one class or key pair.</summary>
/// <param name="Name">Class or key pair name.</param>
/// <param name="Created">True when a key was created now.</param>
/// <param name="Primary">The key now in use, or null when every version was shredded.</param>
public sealed record KeyInitResult(string Name, bool Created, KeyReference? Primary);

/// <summary>What kind of key a class holds.</summary>
public enum KeyKind
{
    /// <summary>Versioned AES-256 key-encryption keys.</summary>
    Kek,

    /// <summary>An RSA key pair (one version).</summary>
    RsaKeyPair,
}

/// <summary>One class or key pair as <see cref="KeyManager.ListAsync"/> reports it.</summary>
/// <param name="Name">Class or key pair name.</param>
/// <param name="Kind">KEK class or RSA key pair.</param>
/// <param name="Provider">Provider name.</param>
/// <param name="Residency">Residency tag.</param>
/// <param name="KeyLabel">Key label on the token.</param>
/// <param name="Versions">Versions, lowest first, shredded ones included.</param>
/// <param name="Primary">The version new data is wrapped under, or null when none is usable.</param>
public sealed record KeyClassStatus(string Name, KeyKind Kind, string Provider, string Residency, string KeyLabel,
    IReadOnlyList<KeyVersionStatus> Versions, int? Primary);

/// <summary>One version of a class.</summary>
/// <param name="Version">Version number.</param>
/// <param name="KeyId">Provider key id.</param>
/// <param name="Destroyed">True when shredded.</param>
public sealed record KeyVersionStatus(int Version, string KeyId, bool Destroyed);
