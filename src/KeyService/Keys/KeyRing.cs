using System.Security.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Wraps data keys under the primary version of a class and unwraps them under any version
/// not yet shredded. The primary is the highest version that still exists on the token.
/// Records exactly one key event per call, success or failure, before returning; only
/// <see cref="BeginWrapAsync"/> returns while a successful wrap's event is still being written.
/// </summary>
public sealed class KeyRing : IKeyRing
{
    private readonly KeyCatalog _catalog;
    private readonly IKeyEventLog _log;

    public KeyRing(KeyCatalog catalog, IKeyEventLog log)
    {
        _catalog = catalog;
        _log = log;
    }

    /// <inheritdoc/>
    public IReadOnlyList<KeyClassInfo> Classes => _catalog.Classes;

    /// <inheritdoc/>
    public async Task<WrappedDataKey> WrapAsync(string keyClass, ReadOnlyMemory<byte> dataKey, KeyUse use, CancellationToken cancellationToken)
    {
        var pending = await BeginWrapAsync(keyClass, dataKey, use, cancellationToken).ConfigureAwait(false);
        await pending.Recorded.ConfigureAwait(false);
        return pending.Result;
    }

    /// <inheritdoc/>
    public async Task<PendingWrap> BeginWrapAsync(string keyClass, ReadOnlyMemory<byte> dataKey, KeyUse use, CancellationToken cancellationToken)
    {
        KeyReference? key = null;
        WrappedDataKey result;
        try
        {
            (key, result) = await WrapCoreAsync(keyClass, dataKey, refresh: false, cancellationToken).ConfigureAwait(false);
        }
        catch (KeyServiceException ex) when (ex.Kind is KeyErrorKind.KeyDestroyed or KeyErrorKind.KeyNotFound && key is not null)
        {
            // The cached primary was shredded (or replaced) elsewhere: ask the token once more.
            _catalog.Invalidate(keyClass);
            try
            {
                (key, result) = await WrapCoreAsync(keyClass, dataKey, refresh: true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception retryError)
            {
                await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(KeyOperation.WrapDataKey, keyClass, key, use, retryError), cancellationToken).ConfigureAwait(false);
                throw;
            }
        }
        catch (Exception ex)
        {
            await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(KeyOperation.WrapDataKey, keyClass, key, use, ex), cancellationToken).ConfigureAwait(false);
            throw;
        }

        var recorded = KeyEventRecorder.RecordAsync(_log, new KeyEvent(KeyOperation.WrapDataKey, keyClass, key, use, KeyEventResult.Ok), cancellationToken);
        _ = recorded.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return new PendingWrap(result, recorded);

        async Task<(KeyReference, WrappedDataKey)> WrapCoreAsync(string keyClass, ReadOnlyMemory<byte> dataKey, bool refresh, CancellationToken cancellationToken)
        {
            var versions = await _catalog.GetVersionsAsync(keyClass, refresh, cancellationToken).ConfigureAwait(false);
            var primary = versions.LastOrDefault(v => !v.Destroyed) ?? throw new KeyServiceException(KeyErrorKind.KeyNotFound,
                versions.Count == 0
                    ? $"Key class '{keyClass}' has no key yet: run `sovereignty keys init`."
                    : $"Every version of key class '{keyClass}' was shredded: run `sovereignty keys rotate --class {keyClass}` to create a new one.");
            key = new KeyReference(keyClass, primary.KeyId, primary.Version);
            var provider = _catalog.ResolveClass(keyClass).Provider;
            var wrapped = await provider.WrapAsync(primary.KeyId, dataKey, cancellationToken).ConfigureAwait(false);
            return (key, new WrappedDataKey(key, wrapped));
        }
    }

    /// <inheritdoc/>
    public async Task<byte[]> UnwrapAsync(KeyReference key, ReadOnlyMemory<byte> wrappedKey, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] dataKey;
        try
        {
            var provider = _catalog.ResolveClass(key.KeyClass).Provider;
            var version = await FindVersionAsync(key, cancellationToken).ConfigureAwait(false);
            if (version.Destroyed)
            {
                throw new KeyServiceException(KeyErrorKind.KeyDestroyed,
                    $"Key {key} was shredded: data wrapped under it is unrecoverable.");
            }

            dataKey = await provider.UnwrapAsync(key.KeyId, wrappedKey, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is KeyServiceException { Kind: KeyErrorKind.KeyDestroyed or KeyErrorKind.KeyNotFound })
            {
                _catalog.Invalidate(key.KeyClass);
            }

            await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(KeyOperation.UnwrapDataKey, key.KeyClass, key, use, ex), cancellationToken).ConfigureAwait(false);
            throw;
        }

        try
        {
            await KeyEventRecorder.RecordAsync(_log, new KeyEvent(KeyOperation.UnwrapDataKey, key.KeyClass, key, use, KeyEventResult.Ok), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            CryptographicOperations.ZeroMemory(dataKey);
            throw;
        }

        return dataKey;
    }

    /// <summary>The version <paramref name="key"/> names, checked against the class's versions on the token.</summary>
    private async Task<ProviderKey> FindVersionAsync(KeyReference key, CancellationToken cancellationToken)
    {
        var versions = await _catalog.GetVersionsAsync(key.KeyClass, refresh: false, cancellationToken).ConfigureAwait(false);
        var version = versions.FirstOrDefault(v => v.KeyId == key.KeyId);
        if (version is null)
        {
            // Perhaps created (rotated) on another node since our list was fetched.
            versions = await _catalog.GetVersionsAsync(key.KeyClass, refresh: true, cancellationToken).ConfigureAwait(false);
            version = versions.FirstOrDefault(v => v.KeyId == key.KeyId);
        }

        if (version is null)
        {
            throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"Key {key} is not a version of key class '{key.KeyClass}' on its provider.");
        }

        if (version.Version != key.Version)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData,
                $"Key reference {key} is inconsistent: key id {key.KeyId} is version {version.Version} of '{key.KeyClass}'.");
        }

        return version;
    }
}
