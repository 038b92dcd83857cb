using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime;

/// <summary>
/// An RSA private key held in the HSM (the organisation's S/MIME signing key or its escrow
/// key). The S/MIME code signs and decrypts through this seam only, so the private half
/// never leaves the HSM.
/// </summary>
/// <remarks>
/// Implementations are thread-safe and throw <see cref="KeyServiceException"/> whose
/// <see cref="KeyServiceException.IsRetryable"/> says whether the HSM was merely unavailable.
/// They do not record audit events: the S/MIME services record one event per use.
/// </remarks>
public interface ISmimePrivateKey
{
    /// <summary>The key as the audit log names it (class, provider key id, version).</summary>
    KeyReference Reference { get; }

    /// <summary>Signs <paramref name="data"/> with SHA-256 and RSA PKCS#1 v1.5 (CKM_SHA256_RSA_PKCS).</summary>
    Task<byte[]> SignSha256Pkcs1Async(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Decrypts one RSA block (an encrypted content-encryption key).</summary>
    Task<byte[]> DecryptAsync(ReadOnlyMemory<byte> ciphertext, RsaDecryptionMechanism mechanism, CancellationToken cancellationToken);
}

/// <summary>RSA decryption mechanisms the S/MIME code asks of the HSM.</summary>
public enum RsaDecryptionMechanism
{
    /// <summary>PKCS#1 v1.5 (CKM_RSA_PKCS): the HSM removes the padding.</summary>
    Pkcs1,

    /// <summary>RSA-OAEP with SHA-1 and MGF1-SHA-1 (CKM_RSA_PKCS_OAEP), the only OAEP SoftHSM offers.</summary>
    OaepSha1,

    /// <summary>Raw RSA (CKM_RSA_X_509): the caller removes the padding (used for OAEP-SHA-256).</summary>
    Raw,
}
