using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;
using CmsIssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;

namespace Sovereignty.KeyService.Smime.Decryption;

/// <summary>One escrow certificate and the HSM key pair that holds its private key.</summary>
internal sealed class EscrowIdentity
{
    private readonly X509Certificate2 _certificate;
    private readonly BcCertificate _bcCertificate;

    public EscrowIdentity(X509Certificate2 certificate, string keyPair)
    {
        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is null)
            {
                throw new KeyServiceException(KeyErrorKind.Configuration, $"The escrow certificate {certificate.Subject} (serial {certificate.SerialNumber}) has no RSA key.");
            }
        }

        _certificate = certificate;
        _bcCertificate = Certificates.BouncyCastleCertificates.For(certificate);
        KeyPair = keyPair;
    }

    /// <summary>Name of the key pair in <c>Sovereignty:Hsm:KeyPairs</c>.</summary>
    public string KeyPair { get; }

    /// <summary>Whether the certificate has the same public key as <paramref name="other"/>.</summary>
    public bool CertifiesSameKeyAs(EscrowIdentity other) =>
        _certificate.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(other._certificate.PublicKey.ExportSubjectPublicKeyInfo());

    /// <summary>Whether a CMS recipient identifier (issuer and serial, or subject key identifier) names this certificate.</summary>
    public bool IsNamedBy(RecipientIdentifier identifier)
    {
        if (identifier.IsTagged)
        {
            var keyId = Asn1OctetString.GetInstance(identifier.ID).GetOctets();
            var ski = _certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().FirstOrDefault();
            return ski?.SubjectKeyIdentifierBytes.Span.SequenceEqual(keyId) ?? false;
        }

        var issuerAndSerial = CmsIssuerAndSerialNumber.GetInstance(identifier.ID);
        return issuerAndSerial.Issuer.Equivalent(_bcCertificate.IssuerDN) && issuerAndSerial.SerialNumber.Value.Equals(_bcCertificate.SerialNumber);
    }
}
