using MimeKit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime.Decryption;

/// <summary>
/// Decrypts, for the organisation (recovery, eDiscovery), a message encrypted to the escrow
/// certificate, with the escrow key in the HSM. Every use is one audited key event.
/// </summary>
public interface ISmimeEscrowDecryptor
{
    /// <summary>
    /// Returns <paramref name="message"/> with its S/MIME enveloped body replaced by the
    /// decrypted content, and the protected headers (RFC 9788) restored to the outside.
    /// One <see cref="Audit.KeyOperation.DecryptKey"/> event is recorded (by <see cref="IKeyPairRing"/>) before the key is used further.
    /// </summary>
    /// <exception cref="KeyServiceException">
    /// <see cref="KeyErrorKind.InvalidData"/>: not an S/MIME enveloped message, or not for the
    /// escrow certificate, or corrupt; <see cref="KeyErrorKind.Unavailable"/>: HSM or audit log
    /// unavailable (retryable).
    /// </exception>
    Task<MimeMessage> DecryptAsync(MimeMessage message, KeyUse use, CancellationToken cancellationToken);
}
