using System.Security.Cryptography.X509Certificates;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Sovereignty.KeyService.Smime.Signing;

/// <summary>The organisation's signing certificate and its chain (no private key: that stays in the HSM).</summary>
internal sealed class SigningIdentity
{
    public SigningIdentity(IReadOnlyList<X509Certificate2> chain)
    {
        if (chain.Count == 0)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, "The signing certificate file holds no certificate.");
        }

        Certificate = chain[0];
        if (Certificate.GetRSAPublicKey() is null)
        {
            throw new KeyServiceException(KeyErrorKind.Configuration, "The signing certificate's key is not RSA.");
        }

        BcCertificate = Certificates.BouncyCastleCertificates.For(Certificate);
        BcChain = [.. chain.Select(c => new BcCertificate(c.RawData))];
        Fingerprint = Certificates.CertificateFingerprint.Sha256(Certificate);
    }

    /// <summary>The signing certificate itself.</summary>
    public X509Certificate2 Certificate { get; }

    public BcCertificate BcCertificate { get; }

    /// <summary>The certificates put in the signature: the signer's first.</summary>
    public IReadOnlyList<BcCertificate> BcChain { get; }

    public string Fingerprint { get; }
}
