using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Smime;
using Org.BouncyCastle.Asn1.X509;
using CmsAttribute = Org.BouncyCastle.Asn1.Cms.Attribute;
using CmsContentInfo = Org.BouncyCastle.Asn1.Cms.ContentInfo;
using CmsIssuerAndSerialNumber = Org.BouncyCastle.Asn1.Cms.IssuerAndSerialNumber;
using CmsSignedData = Org.BouncyCastle.Asn1.Cms.SignedData;
using CmsSignerInfo = Org.BouncyCastle.Asn1.Cms.SignerInfo;
using CmsTime = Org.BouncyCastle.Asn1.Cms.Time;

namespace Sovereignty.KeyService.Smime.Signing;

/// <summary>
/// Builds a detached CMS SignedData (RFC 5652) whose one signature is made by the HSM:
/// SHA-256 digest, sha256WithRSAEncryption (PKCS#1 v1.5), signer identified by issuer and
/// serial number, signed attributes contentType, signingTime, messageDigest and
/// sMIMECapabilities.
/// </summary>
/// <remarks>
/// The structure is assembled here rather than by BouncyCastle's generators because the
/// HSM call is asynchronous and their <c>ISignatureFactory</c> hook is synchronous.
/// </remarks>
internal static class DetachedCmsSignature
{
    private static readonly AlgorithmIdentifier s_sha256 = new(NistObjectIdentifiers.IdSha256, DerNull.Instance);
    private static readonly AlgorithmIdentifier s_sha256WithRsa = new(PkcsObjectIdentifiers.Sha256WithRsaEncryption, DerNull.Instance);

    public static async Task<byte[]> CreateAsync(
        ReadOnlyMemory<byte> content,
        SigningIdentity identity,
        Func<byte[], CancellationToken, Task<byte[]>> sign,
        DateTimeOffset signingTime,
        CancellationToken cancellationToken)
    {
        var signedAttributes = new DerSet(
            new CmsAttribute(CmsAttributes.ContentType, new DerSet(CmsObjectIdentifiers.Data)),
            new CmsAttribute(CmsAttributes.SigningTime, new DerSet(new CmsTime(signingTime.UtcDateTime))),
            new CmsAttribute(CmsAttributes.MessageDigest, new DerSet(new DerOctetString(SHA256.HashData(content.Span)))),
            new CmsAttribute(SmimeAttributes.SmimeCapabilities, new DerSet(new DerSequence(Capabilities().ToAsn1EncodableVector()))));

        // RFC 5652 §5.4: the signature covers the DER encoding of the signed attributes as a SET.
        var toBeSigned = signedAttributes.GetEncoded(Asn1Encodable.Der);
        var signature = await sign(toBeSigned, cancellationToken).ConfigureAwait(false);
        EnsureMatchesCertificate(identity, toBeSigned, signature);

        var certificate = identity.BcCertificate;
        var signerInfo = new CmsSignerInfo(
            new SignerIdentifier(new CmsIssuerAndSerialNumber(certificate.IssuerDN, certificate.SerialNumber)),
            s_sha256,
            signedAttributes,
            s_sha256WithRsa,
            new DerOctetString(signature),
            null);

        var signedData = new CmsSignedData(
            new DerSet(s_sha256),
            new CmsContentInfo(CmsObjectIdentifiers.Data, null),
            new DerSet(identity.BcChain.Select(c => (Asn1Encodable)c.CertificateStructure).ToArray()),
            null,
            new DerSet(signerInfo));

        return new CmsContentInfo(CmsObjectIdentifiers.SignedData, signedData).GetEncoded(Asn1Encodable.Der);
    }

    private static SmimeCapabilityVector Capabilities()
    {
        var capabilities = new SmimeCapabilityVector();
        capabilities.AddCapability(NistObjectIdentifiers.IdAes256Cbc);
        capabilities.AddCapability(NistObjectIdentifiers.IdAes128Cbc);
        capabilities.AddCapability(PkcsObjectIdentifiers.IdRsaesOaep);
        capabilities.AddCapability(PkcsObjectIdentifiers.RsaEncryption);
        return capabilities;
    }

    /// <summary>
    /// A key label pointing at the wrong key pair would produce signatures nobody can verify:
    /// checking with the certificate's public key (microseconds) turns that into a clear error.
    /// </summary>
    private static void EnsureMatchesCertificate(SigningIdentity identity, byte[] data, byte[] signature)
    {
        using var rsa = identity.Certificate.GetRSAPublicKey()!;
        if (!rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            throw new KeyServiceException(
                KeyErrorKind.Configuration,
                "The HSM signing key does not match the configured signing certificate (signature does not verify).");
        }
    }
}
