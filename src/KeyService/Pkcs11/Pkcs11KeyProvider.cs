using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// Keys held in a PKCS#11 token: AES-256 KEKs (wrap/unwrap of data keys, RFC 5649) and RSA key
/// pairs (sign, decrypt). Thread-safe; one instance per configured token.
/// </summary>
/// <remarks>
/// The module is loaded once per process per path and shared; the token is found by label;
/// calls go through a pool of sessions, each used by one thread at a time, logged in once, and
/// repaired (re-login, reopen, reinitialise) and retried after token or module errors.
/// PINs are read from their source at each login and never logged or put in messages.
/// </remarks>
public sealed partial class Pkcs11KeyProvider : IKeyProvider, IAsymmetricKeyProvider
{
    private static readonly TimeSpan MaxSessionWait = TimeSpan.FromMinutes(10);

    private readonly Pkcs11ProviderOptions _options;
    private readonly ILogger _logger;
    private readonly Pkcs11Module _module;
    private readonly Pkcs11SessionPool _pool;
    private readonly Pkcs11HandleCache _handles;
    private volatile bool _copiesRefused;
    private int _disposed;

    /// <summary>Loads (or shares) the module; the token is opened and logged in on first use.</summary>
    /// <exception cref="KeyServiceException"><see cref="KeyErrorKind.Configuration"/> for invalid options or a missing module.</exception>
    public Pkcs11KeyProvider(Pkcs11ProviderOptions options, ILogger<Pkcs11KeyProvider>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validate(options);
        _options = options;
        _logger = logger ?? NullLogger<Pkcs11KeyProvider>.Instance;
        _handles = new Pkcs11HandleCache(timeProvider ?? TimeProvider.System);
        _module = Pkcs11Module.Acquire(options.ModulePath);
        _pool = new Pkcs11SessionPool(_module, options, _logger, _handles.Clear);
    }

    /// <inheritdoc/>
    public string Name => _options.Name;

    /// <summary>The token this provider uses.</summary>
    public string TokenLabel => _options.TokenLabel;

    internal Pkcs11Module Module => _module;

    /// <summary>Wraps and unwraps between two recycles of the module (0: never), from <see cref="Pkcs11ProviderOptions.RecycleModuleAfterObjects"/>.</summary>
    internal int RecycleAfterObjects => _pool.RecycleAfterObjects;

    /// <inheritdoc/>
    public async Task<ProviderKey> CreateKekAsync(string keyLabel, int version, CancellationToken cancellationToken)
    {
        KekLabels.Validate(keyLabel);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var objectLabel = KekLabels.Format(keyLabel, version);
        var existing = await ListKeksAsync(keyLabel, cancellationToken).ConfigureAwait(false);
        if (existing.Any(k => k.Version == version))
        {
            throw new KeyServiceException(KeyErrorKind.Configuration,
                $"KEK '{objectLabel}' already exists (or existed) on {Where}; versions are never reused.");
        }

        var id = RandomNumberGenerator.GetBytes(16);
        await _pool.RunAsync($"KEK '{objectLabel}'", session =>
        {
            var mechanism = Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
            return session.GenerateKeyAndFree(mechanism, Pkcs11Templates.Kek(objectLabel, id));
        }, cancellationToken).ConfigureAwait(false);

        var keyId = Convert.ToHexStringLower(id);
        Pkcs11Log.KeyCreated(_logger, Name, "AES-256 KEK", objectLabel, keyId);
        return new ProviderKey(keyId, keyLabel, version);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ProviderKey>> ListKeksAsync(string keyLabel, CancellationToken cancellationToken)
    {
        KekLabels.Validate(keyLabel);
        return await _pool.RunAsync($"KEK versions of '{keyLabel}'", session =>
        {
            var versions = new SortedDictionary<int, ProviderKey>();
            foreach (var handle in session.FindAllObjectsAndFree(Pkcs11Templates.AllTombstones()))
            {
                var attributes = session.GetAttributeValue(handle, [CKA.CKA_LABEL, CKA.CKA_VALUE]);
                if (KekLabels.TryParse(attributes[0].GetValueAsString(), keyLabel, out var version))
                {
                    versions[version] = new ProviderKey(Convert.ToHexStringLower(attributes[1].GetValueAsByteArray()), keyLabel, version, Destroyed: true);
                }
            }

            // A live key wins over a tombstone: a shred interrupted after its tombstone was written
            // has not destroyed anything yet, and running it again finishes it.
            lock (_module.SecretKeyGate)
            {
                foreach (var handle in session.FindAllObjectsAndFree(Pkcs11Templates.AllAesTokenKeys()))
                {
                    var attributes = session.GetAttributeValue(handle, [CKA.CKA_LABEL, CKA.CKA_ID]);
                    if (KekLabels.TryParse(attributes[0].GetValueAsString(), keyLabel, out var version))
                    {
                        versions[version] = new ProviderKey(Convert.ToHexStringLower(attributes[1].GetValueAsByteArray()), keyLabel, version);
                    }
                }
            }

            if (versions.Count == 0)
            {
                ThrowIfLoggedOut(session);
            }

            return (IReadOnlyList<ProviderKey>)[.. versions.Values];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken)
    {
        var id = ParseKeyId(keyId);
        // Multiples of 8 only: SoftHSM 2.6 unwraps a padded (RFC 5649) key to its padded length,
        // so a 33-byte key would come back as 40 bytes. AES keys (16, 24, 32) are unaffected.
        if (dataKey.Length is < 16 or > 64 || dataKey.Length % 8 != 0)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, $"A data key must be 16–64 bytes and a multiple of 8, not {dataKey.Length}.");
        }

        return _pool.RunWithTemporaryObjectAsync($"wrap under KEK {keyId}", session =>
        {
            var kek = FindKek(session, keyId, id);
            var value = dataKey.ToArray();
            IObjectHandle temporary;
            try
            {
                temporary = session.CreateObjectAndFree(Pkcs11Templates.DataKeyToWrap(value));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(value);
            }

            try
            {
                return session is Pkcs11Session ours
                    ? ours.WrapKeyPadded(kek, temporary, dataKey.Length)
                    : session.WrapKey(Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD), kek, temporary);
            }
            finally
            {
                DestroyTemporary(session, temporary);
            }
        }, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken)
    {
        var id = ParseKeyId(keyId);
        if (wrappedKey.Length is < 24 or > 1024 || wrappedKey.Length % 8 != 0)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, $"A wrapped data key (RFC 5649) is a multiple of 8 bytes from 24; got {wrappedKey.Length}.");
        }

        return _pool.RunWithTemporaryObjectAsync($"unwrap under KEK {keyId}", session =>
        {
            var kek = FindKek(session, keyId, id);
            var mechanism = Pkcs11Module.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD);
            IObjectHandle unwrapped;
            try
            {
                unwrapped = session.UnwrapKeyAndFree(mechanism, kek, wrappedKey.ToArray(), Pkcs11Templates.UnwrappedDataKey());
            }
            catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_ATTRIBUTE_VALUE_INVALID)
            {
                // The template is constant and known to work. This was seen intermittently while
                // templates could be finalized mid-call (fixed, see Pkcs11TemplateCalls); should a
                // token still say so, it is a token fault and the caller may retry.
                throw new HsmException(KeyErrorKind.Unavailable, ex.Method, ex.RV,
                    $"{ex.Method} failed with {ex.RV} for KEK {keyId} on {Where}: transient token fault; retry later.", ex);
            }
            catch (Pkcs11Exception ex) when (ex.RV == CKR.CKR_GENERAL_ERROR)
            {
                // SoftHSM reports a failed integrity check of the wrapped key as CKR_GENERAL_ERROR.
                // If the session still answers, the token is fine and the data is bad: not a retry case.
                session.GetSessionInfo();
                throw new HsmException(KeyErrorKind.InvalidData, ex.Method, ex.RV,
                    $"{ex.Method} failed with {ex.RV} for KEK {keyId} on {Where} while the token is healthy: the wrapped key is invalid, tampered with, or wrapped under another KEK.", ex);
            }

            try
            {
                return session.GetAttributeValue(unwrapped, [CKA.CKA_VALUE])[0].GetValueAsByteArray();
            }
            catch (AttributeValueException ex)
            {
                // Our template makes the object readable; a token that says otherwise is faulty now.
                throw new HsmException(KeyErrorKind.Unavailable, "C_GetAttributeValue", CKR.CKR_ATTRIBUTE_SENSITIVE,
                    $"The unwrapped data key under KEK {keyId} on {Where} could not be read back; retry later.", ex);
            }
            finally
            {
                DestroyTemporary(session, unwrapped);
            }
        }, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public Task<int> DestroyKekAsync(string keyId, CancellationToken cancellationToken)
    {
        var id = ParseKeyId(keyId);
        return _pool.RunAsync($"destroy KEK {keyId}", session =>
        {
            // Under the gate, so a copy being made elsewhere in this process is not taken for a
            // second token key and destroyed half-made.
            lock (_module.SecretKeyGate)
            {
                var keys = session.FindAllObjectsAndFree(Pkcs11Templates.SecretKeyById(id));
                var tombstoned = session.FindAllObjectsAndFree(Pkcs11Templates.TombstoneById(id)).Count > 0;
                if (keys.Count == 0)
                {
                    ThrowIfLoggedOut(session);
                    return tombstoned ? 0 : throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"No KEK with id {keyId} on {Where}.");
                }

                // The tombstone is written first: if we stop half-way, the key still exists and
                // still counts as live, and running the shred again finishes it.
                var objectLabel = session.GetAttributeValue(keys[0], [CKA.CKA_LABEL])[0].GetValueAsString();
                if (!tombstoned)
                {
                    session.CreateObjectAndFree(Pkcs11Templates.Tombstone(objectLabel, id));
                }

                foreach (var key in keys)
                {
                    session.DestroyObject(key);
                }

                _handles.Remove(keyId, copy => DestroyTemporary(session, copy));
                Pkcs11Log.KeyDestroyed(_logger, Name, keys.Count, objectLabel, keyId);
                return keys.Count;
            }
        }, cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _pool.Dispose();
            _module.Release();
        }

        return ValueTask.CompletedTask;
    }

    private string Where => $"provider '{Name}' (token '{TokenLabel}')";

    /// <summary>The handle to wrap and unwrap with under the KEK <paramref name="keyId"/>: its working copy when the token allows one.</summary>
    private IObjectHandle FindKek(ISession session, string keyId, byte[] id)
    {
        var generation = _module.Generation;
        // Cached handles are re-checked against their token object's CKA_ID now and then (see Pkcs11HandleCache).
        if (_handles.Get(keyId, generation, token => HasId(session, token, id), copy => DestroyTemporary(session, copy)) is { } cached)
        {
            return cached;
        }

        List<IObjectHandle> found;
        IObjectHandle? working = null;
        lock (_module.SecretKeyGate)
        {
            found = session.FindAllObjectsAndFree(Pkcs11Templates.SecretKeyById(id));
            if (found.Count == 1)
            {
                working = WorkingCopy(session, found[0]);
            }
        }

        if (working is not null)
        {
            return _handles.Add(keyId, found[0], working, generation, copy => DestroyTemporary(session, copy));
        }

        if (found.Count > 1)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, $"Several keys have id {keyId} on {Where}: the token is inconsistent.");
        }

        ThrowIfLoggedOut(session);
        if (session.FindAllObjectsAndFree(Pkcs11Templates.TombstoneById(id)).Count > 0)
        {
            throw new KeyServiceException(KeyErrorKind.KeyDestroyed,
                $"KEK {keyId} on {Where} was shredded: data wrapped under it is unrecoverable.");
        }

        throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"No KEK with id {keyId} on {Where}.");
    }

    /// <summary>Whether <paramref name="handle"/> still names the token object with this id (false once it was destroyed).</summary>
    private static bool HasId(ISession session, IObjectHandle handle, byte[] id)
    {
        try
        {
            return session.GetAttributeValue(handle, [CKA.CKA_ID])[0].GetValueAsByteArray().AsSpan().SequenceEqual(id);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_OBJECT_HANDLE_INVALID)
        {
            // Destroyed (by another process): the entry is dropped and its working copy destroyed.
            return false;
        }
    }

    /// <summary>
    /// A session copy of the token KEK <paramref name="kek"/> to wrap and unwrap with, or
    /// <paramref name="kek"/> itself when the token refuses to copy it.
    /// </summary>
    /// <remarks>
    /// Why: SoftHSM re-reads a token object's file (open, lock, read, unlock, close, and the
    /// token's generation file likewise) each time it looks at one of its attributes, several
    /// times per wrap; a session object lives in memory. Measured in performance.md, "HSM key
    /// wrap": about twice the wraps per second on one thread. The copy keeps every attribute
    /// of the KEK (sensitive, not extractable, wrap and unwrap only, private); it lives in the
    /// token, in a session of this process, until the key is destroyed here, found destroyed
    /// elsewhere (within <see cref="Pkcs11HandleCache.RecheckInterval"/>), or the session ends.
    /// </remarks>
    private IObjectHandle WorkingCopy(ISession session, IObjectHandle kek)
    {
        if (_copiesRefused)
        {
            return kek;
        }

        var template = Pkcs11Templates.WorkingCopyOfKek();
        try
        {
            return session.CopyObject(kek, template);
        }
        catch (Pkcs11Exception ex) when (ex.RV is CKR.CKR_ACTION_PROHIBITED or CKR.CKR_FUNCTION_NOT_SUPPORTED or CKR.CKR_ATTRIBUTE_READ_ONLY
            or CKR.CKR_ATTRIBUTE_TYPE_INVALID or CKR.CKR_ATTRIBUTE_VALUE_INVALID or CKR.CKR_TEMPLATE_INCONSISTENT)
        {
            // A token or key that does not allow copies (CKA_COPYABLE false, or no C_CopyObject):
            // the token object works the same, only more slowly on file-backed tokens.
            if (ex.RV is CKR.CKR_FUNCTION_NOT_SUPPORTED)
            {
                _copiesRefused = true;
            }

            Pkcs11Log.KekCopyRefused(_logger, Name, ex.RV);
            return kek;
        }
        finally
        {
            foreach (var attribute in template)
            {
                attribute.Dispose();
            }
        }
    }

    /// <summary>
    /// Private objects are invisible to a session that lost its login, so "found nothing" is only
    /// an answer when the session is still logged in; otherwise the pool logs in again and retries.
    /// </summary>
    private static void ThrowIfLoggedOut(ISession session)
    {
        if (session.GetSessionInfo().State is not (CKS.CKS_RW_USER_FUNCTIONS or CKS.CKS_RO_USER_FUNCTIONS))
        {
            throw new Pkcs11Exception("C_GetSessionInfo", CKR.CKR_USER_NOT_LOGGED_IN);
        }
    }

    private void DestroyTemporary(ISession session, IObjectHandle handle)
    {
        try
        {
            session.DestroyObject(handle);
        }
        catch (Pkcs11Exception ex)
        {
            // A session object dies with its session at the latest; failing the operation
            // for it would only make the caller retry a wrap that succeeded.
            Pkcs11Log.TemporaryKeyNotDestroyed(_logger, Name, ex.RV.ToString());
        }
    }

    private static byte[] ParseKeyId(string keyId)
    {
        if (keyId.Length is 0 or > 128 || keyId.Length % 2 != 0)
        {
            throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"'{keyId}' is not a PKCS#11 key id (hex CKA_ID).");
        }

        try
        {
            return Convert.FromHexString(keyId);
        }
        catch (FormatException)
        {
            throw new KeyServiceException(KeyErrorKind.KeyNotFound, $"'{keyId}' is not a PKCS#11 key id (hex CKA_ID).");
        }
    }

    private static void Validate(Pkcs11ProviderOptions options)
    {
        static KeyServiceException Bad(string message) => new(KeyErrorKind.Configuration, message);
        if (string.IsNullOrWhiteSpace(options.Name))
        {
            throw Bad("A PKCS#11 provider has no Name.");
        }

        if (string.IsNullOrWhiteSpace(options.ModulePath))
        {
            throw Bad($"Provider '{options.Name}': ModulePath is not set.");
        }

        if (string.IsNullOrWhiteSpace(options.TokenLabel))
        {
            throw Bad($"Provider '{options.Name}': TokenLabel is not set.");
        }

        if (string.IsNullOrEmpty(options.PinFile) == string.IsNullOrEmpty(options.PinEnvironmentVariable))
        {
            throw Bad($"Provider '{options.Name}': set exactly one of PinFile and PinEnvironmentVariable.");
        }

        if (options.SessionPoolSize is < 1 or > 256)
        {
            throw Bad($"Provider '{options.Name}': SessionPoolSize must be 1–256, not {options.SessionPoolSize}.");
        }

        if (options.RecycleModuleAfterObjects < 0)
        {
            throw Bad($"Provider '{options.Name}': RecycleModuleAfterObjects must be 0 (never) or positive, not {options.RecycleModuleAfterObjects}.");
        }

        if (options.SessionWaitTimeout <= TimeSpan.Zero || options.SessionWaitTimeout > MaxSessionWait)
        {
            throw Bad($"Provider '{options.Name}': SessionWaitTimeout must be positive and at most {MaxSessionWait.TotalMinutes:0} minutes.");
        }
    }
}
