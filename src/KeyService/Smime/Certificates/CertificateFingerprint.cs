using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// SHA-256 fingerprints of certificates: what the audit log records about a recipient
/// instead of the address in clear.
/// </summary>
public static class CertificateFingerprint
{
    /// <summary>Lower-case hex SHA-256 of the certificate's DER encoding.</summary>
    public static string Sha256(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));
    }
}
