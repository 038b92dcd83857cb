namespace Sovereignty.KeyService.Providers;

/// <summary>
/// One place that holds key-encryption keys and uses them without ever releasing them:
/// a PKCS#11 token, or (later) an Azure Key Vault / Managed HSM reached over REST.
/// </summary>
/// <remarks>
/// Implementations are thread-safe. Every failure is a <see cref="KeyServiceException"/>
/// whose <see cref="KeyServiceException.Kind"/> says whether a retry can help.
/// Key versions are discovered from the provider itself (labels), so the provider is the
/// only source of truth about which versions exist: nothing else must be kept in sync.
/// </remarks>
public interface IKeyProvider : IAsyncDisposable
{
    /// <summary>The configured provider name (e.g. <c>hsm-paris</c>).</summary>
    string Name { get; }

    /// <summary>Creates version <paramref name="version"/> of the AES-256 KEK named <paramref name="keyLabel"/>: sensitive, never extractable.</summary>
    Task<ProviderKey> CreateKekAsync(string keyLabel, int version, CancellationToken cancellationToken);

    /// <summary>
    /// Lists every version of the KEK named <paramref name="keyLabel"/>, lowest version first,
    /// including destroyed ones (<see cref="ProviderKey.Destroyed"/>), so version numbers are never reused
    /// and a shredded version can be told from one that never existed.
    /// </summary>
    Task<IReadOnlyList<ProviderKey>> ListKeksAsync(string keyLabel, CancellationToken cancellationToken);

    /// <summary>Wraps a data key under the KEK <paramref name="keyId"/> (AES key wrap with padding, RFC 5649).</summary>
    /// <exception cref="KeyServiceException"><see cref="KeyErrorKind.KeyDestroyed"/> when the KEK was destroyed, <see cref="KeyErrorKind.KeyNotFound"/> when it never existed.</exception>
    Task<byte[]> WrapAsync(string keyId, ReadOnlyMemory<byte> dataKey, CancellationToken cancellationToken);

    /// <summary>Unwraps a data key previously wrapped under <paramref name="keyId"/>.</summary>
    Task<byte[]> UnwrapAsync(string keyId, ReadOnlyMemory<byte> wrappedKey, CancellationToken cancellationToken);

    /// <summary>
    /// Destroys the KEK <paramref name="keyId"/>, leaving a record that it was destroyed; returns the
    /// number of key objects destroyed (0 when it was already destroyed).
    /// </summary>
    Task<int> DestroyKekAsync(string keyId, CancellationToken cancellationToken);
}

/// <summary>One KEK version as its provider knows it.</summary>
/// <param name="KeyId">Stable provider identifier (PKCS#11: hex CKA_ID).</param>
/// <param name="Label">The KEK's name shared by all its versions.</param>
/// <param name="Version">Version number, from 1.</param>
/// <param name="Destroyed">True when this version was shredded: only its record remains.</param>
public sealed record ProviderKey(string KeyId, string Label, int Version, bool Destroyed = false);
