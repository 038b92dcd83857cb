using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime.Signing;

/// <summary>Signs mail with the organisation's signing key, in the HSM.</summary>
public interface ISmimeSigner
{
    /// <summary>The SHA-256 fingerprint of the organisation's signing certificate.</summary>
    string CertificateFingerprint { get; }

    /// <summary>
    /// Returns a multipart/signed (detached, SHA-256, sha256WithRSAEncryption) around
    /// <paramref name="entity"/>, which is re-encoded to 7 bit first (it is consumed).
    /// One <see cref="Audit.KeyOperation.Sign"/> event is recorded (by <see cref="IKeyPairRing"/>) before it returns.
    /// </summary>
    /// <exception cref="KeyServiceException">HSM or audit log unavailable (retryable), or misconfiguration.</exception>
    Task<MultipartSigned> SignAsync(MimeEntity entity, KeyUse use, CancellationToken cancellationToken);

    /// <summary>Signs the body of <paramref name="message"/> in place and returns it.</summary>
    Task<MimeMessage> SignMessageAsync(MimeMessage message, KeyUse use, CancellationToken cancellationToken);
}
