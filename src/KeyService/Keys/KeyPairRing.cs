using System.Collections.Concurrent;
using System.Security.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>Signs and decrypts with the configured key pairs, one key event per operation.</summary>
public sealed class KeyPairRing : IKeyPairRing
{
    private readonly KeyCatalog _catalog;
    private readonly IKeyEventLog _log;
    private readonly ConcurrentDictionary<string, RsaPublicKeyInfo> _publicKeys = new(StringComparer.Ordinal);

    public KeyPairRing(KeyCatalog catalog, IKeyEventLog log)
    {
        _catalog = catalog;
        _log = log;
    }

    /// <inheritdoc/>
    public IReadOnlyList<KeyClassInfo> KeyPairs => _catalog.KeyPairs;

    /// <inheritdoc/>
    public async Task<RsaPublicKeyInfo> GetPublicKeyAsync(string name, CancellationToken cancellationToken)
    {
        if (_publicKeys.TryGetValue(name, out var cached))
        {
            return cached;
        }

        var (options, provider) = _catalog.ResolveKeyPair(name);
        var info = await provider.GetRsaPublicKeyAsync(options.EffectiveKeyLabel, cancellationToken).ConfigureAwait(false);
        return _publicKeys.GetOrAdd(name, info);
    }

    /// <inheritdoc/>
    public Task<byte[]> SignAsync(string name, ReadOnlyMemory<byte> data, RsaSignatureScheme scheme, KeyUse use, CancellationToken cancellationToken) =>
        UseAsync(name, KeyOperation.Sign, scheme.ToString(), use,
            (provider, label) => provider.SignAsync(label, data, scheme, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<byte[]> DecryptAsync(string name, ReadOnlyMemory<byte> ciphertext, RsaDecryptionScheme scheme, KeyUse use, CancellationToken cancellationToken) =>
        UseAsync(name, KeyOperation.DecryptKey, scheme.ToString(), use,
            (provider, label) => provider.DecryptAsync(label, ciphertext, scheme, cancellationToken), cancellationToken);

    private async Task<byte[]> UseAsync(string name, KeyOperation operation, string scheme, KeyUse use,
        Func<IAsymmetricKeyProvider, string, Task<byte[]>> call, CancellationToken cancellationToken)
    {
        var detail = use.Detail is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(use.Detail, StringComparer.Ordinal);
        detail["scheme"] = scheme;
        KeyReference? key = null;
        byte[] result;
        try
        {
            var (options, provider) = _catalog.ResolveKeyPair(name);
            var info = await GetPublicKeyAsync(name, cancellationToken).ConfigureAwait(false);
            key = new KeyReference(name, info.KeyId, 1);
            result = await call(provider, options.EffectiveKeyLabel).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            if (ex is KeyServiceException { Kind: KeyErrorKind.KeyNotFound })
            {
                _publicKeys.TryRemove(name, out _);
            }

            await KeyEventRecorder.RecordAsync(_log, KeyEventRecorder.Failed(operation, name, key, use, ex) with { Detail = detail, Recipients = use.Recipients }, cancellationToken).ConfigureAwait(false);
            throw;
        }

        try
        {
            await KeyEventRecorder.RecordAsync(_log, new KeyEvent(operation, name, key, use, KeyEventResult.Ok, Detail: detail, Recipients: use.Recipients), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (operation == KeyOperation.DecryptKey)
            {
                CryptographicOperations.ZeroMemory(result);
            }

            throw;
        }

        return result;
    }
}
