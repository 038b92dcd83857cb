namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>
/// Encrypts outgoing mail as S/MIME EnvelopedData (AES-256-CBC, RSA key transport) to the
/// recipients' certificates plus the organisation's escrow certificate, with header
/// protection and optionally an HSM signature inside.
/// </summary>
public interface ISmimeEncryptor
{
    /// <summary>
    /// Encrypts <see cref="SmimeEncryptionRequest.Message"/>, or refuses (result without
    /// message) when a recipient has no usable certificate and the request says refuse.
    /// Never returns clear text.
    /// </summary>
    /// <exception cref="KeyServiceException">Signing requested and the HSM or the audit log is unavailable (retryable).</exception>
    Task<SmimeEncryptionResult> EncryptAsync(SmimeEncryptionRequest request, CancellationToken cancellationToken);
}
