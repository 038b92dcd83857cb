namespace Sovereignty.KeyService.Providers;

/// <summary>
/// RSA key pairs whose private halves stay in the provider: the organisation's S/MIME
/// signing key, the escrow (decryption) key, the audit log's checkpoint-signing key.
/// Keys are found by label.
/// </summary>
/// <remarks>
/// This is the raw provider seam: it records no key events. Gateway code uses
/// <see cref="Keys.IKeyPairRing"/>, which records one event per operation; only the audit
/// log itself (which cannot record into itself) signs its checkpoints through this interface.
/// Failures are <see cref="KeyServiceException"/>s (<see cref="KeyErrorKind.KeyNotFound"/> for an
/// unknown label).
/// </remarks>
public interface IAsymmetricKeyProvider
{
    /// <summary>The configured provider name.</summary>
    string Name { get; }

    /// <summary>
    /// Generates an RSA key pair labelled <paramref name="keyLabel"/> in the provider: the private
    /// key is sensitive, never extractable, and may sign and decrypt. Fails if the label exists.
    /// </summary>
    /// <param name="keyLabel">The label (PKCS#11 CKA_LABEL) of both halves.</param>
    /// <param name="modulusBits">2048, 3072 or 4096.</param>
    /// <param name="cancellationToken">Cancels the wait for a session.</param>
    Task<RsaPublicKeyInfo> CreateRsaKeyPairAsync(string keyLabel, int modulusBits, CancellationToken cancellationToken);

    /// <summary>The public half of the key pair labelled <paramref name="keyLabel"/>.</summary>
    Task<RsaPublicKeyInfo> GetRsaPublicKeyAsync(string keyLabel, CancellationToken cancellationToken);

    /// <summary>Signs with the private key labelled <paramref name="keyLabel"/>.</summary>
    /// <param name="keyLabel">The key pair's label.</param>
    /// <param name="scheme">The signature scheme.</param>
    /// <param name="cancellationToken">Cancels the wait for a session.</param>
    /// <param name="data">The data (for <see cref="RsaSignatureScheme.Pkcs1Sha256"/>) or the DER DigestInfo (for <see cref="RsaSignatureScheme.Pkcs1DigestInfo"/>).</param>
    Task<byte[]> SignAsync(string keyLabel, ReadOnlyMemory<byte> data, RsaSignatureScheme scheme, CancellationToken cancellationToken);

    /// <summary>Decrypts (RSA key transport) with the private key labelled <paramref name="keyLabel"/>.</summary>
    Task<byte[]> DecryptAsync(string keyLabel, ReadOnlyMemory<byte> ciphertext, RsaDecryptionScheme scheme, CancellationToken cancellationToken);
}

/// <summary>The public half of an RSA key pair held by a provider.</summary>
/// <param name="KeyId">Stable provider identifier (PKCS#11: hex CKA_ID shared by both halves).</param>
/// <param name="Label">The key pair's label.</param>
/// <param name="SubjectPublicKeyInfo">DER SubjectPublicKeyInfo (load with <c>RSA.ImportSubjectPublicKeyInfo</c>).</param>
/// <param name="ModulusBits">Key size.</param>
public sealed record RsaPublicKeyInfo(string KeyId, string Label, byte[] SubjectPublicKeyInfo, int ModulusBits);

/// <summary>RSA signature schemes.</summary>
public enum RsaSignatureScheme
{
    /// <summary>sha256WithRSAEncryption computed over the data in the provider (PKCS#11 CKM_SHA256_RSA_PKCS).</summary>
    Pkcs1Sha256,

    /// <summary>PKCS#1 v1.5 over a caller-computed DER DigestInfo (CKM_RSA_PKCS): for CMS signers that hash themselves.</summary>
    Pkcs1DigestInfo,
}

/// <summary>RSA decryption schemes.</summary>
public enum RsaDecryptionScheme
{
    /// <summary>PKCS#1 v1.5 (CKM_RSA_PKCS): what every mail client accepts.</summary>
    Pkcs1,

    /// <summary>RSA-OAEP with SHA-1 and MGF1-SHA-1 (CKM_RSA_PKCS_OAEP).</summary>
    OaepSha1,

    /// <summary>
    /// RSA-OAEP with SHA-256 and MGF1-SHA-256: native when the token supports it, otherwise raw
    /// RSA in the provider and OAEP decoding in software (SoftHSM accepts only SHA-1 in OAEP).
    /// </summary>
    OaepSha256,

    /// <summary>Raw RSA (CKM_RSA_X_509): the modulus-sized block, unpadded, for padding decoded by the caller.</summary>
    Raw,
}
