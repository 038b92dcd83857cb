using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// Reads the S/MIME capabilities certificate extension (RFC 4262, OID 1.2.840.113549.1.9.15)
/// to learn whether the recipient's client accepts RSA-OAEP key transport.
/// </summary>
public static class SmimeCapabilities
{
    /// <summary>OID of the sMIMECapabilities extension / attribute.</summary>
    public const string ExtensionOid = "1.2.840.113549.1.9.15";

    /// <summary>OID of RSAES-OAEP (RFC 4055).</summary>
    public const string RsaesOaepOid = "1.2.840.113549.1.1.7";

    private const string Sha256Oid = "2.16.840.1.101.3.4.2.1";

    /// <summary>
    /// The OAEP variant the certificate advertises (<see cref="KeyTransport.OaepSha256"/> when
    /// its parameters name SHA-256, else <see cref="KeyTransport.OaepSha1"/>), or
    /// <see langword="null"/> when it advertises no OAEP (or the extension is malformed).
    /// </summary>
    public static KeyTransport? AdvertisedOaep(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[ExtensionOid];
        if (extension is null)
        {
            return null;
        }

        try
        {
            var capabilities = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (capabilities.HasData)
            {
                var capability = capabilities.ReadSequence();
                if (capability.ReadObjectIdentifier() != RsaesOaepOid)
                {
                    continue;
                }

                return capability.HasData && NamesSha256(capability.ReadSequence()) ? KeyTransport.OaepSha256 : KeyTransport.OaepSha1;
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension advertises nothing: PKCS#1 v1.5 is what every client reads.
        }

        return null;
    }

    private static bool NamesSha256(AsnReader oaepParameters)
    {
        // RSAES-OAEP-params ::= SEQUENCE { hashAlgorithm [0] AlgorithmIdentifier DEFAULT sha1, ... }
        var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
        if (!oaepParameters.HasData || !oaepParameters.PeekTag().HasSameClassAndValue(hashTag))
        {
            return false;
        }

        var hash = oaepParameters.ReadSequence(hashTag).ReadSequence();
        return hash.ReadObjectIdentifier() == Sha256Oid;
    }
}
