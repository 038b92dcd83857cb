using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService.Smime.Certificates;

namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>The organisation's escrow certificate: added as a recipient of every encrypted message.</summary>
internal sealed class EscrowRecipient
{
    public EscrowRecipient(X509Certificate2 certificate, KeyTransport transport)
    {
        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is null)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, "The escrow certificate's key is not RSA.");
            }
        }

        Certificate = certificate;
        Transport = transport;
        Fingerprint = CertificateFingerprint.Sha256(certificate);
    }

    public X509Certificate2 Certificate { get; }

    public KeyTransport Transport { get; }

    public string Fingerprint { get; }
}
