using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>A certificate a source offers for an address, before validation.</summary>
/// <param name="Certificate">The certificate.</param>
/// <param name="Origin">Where it came from (file path, LDAP entry), for operators.</param>
/// <param name="Scope">Whether it names the address itself or its whole domain.</param>
public sealed record CertificateCandidate(X509Certificate2 Certificate, string Origin, CertificateScope Scope);

/// <summary>What a certificate was found for.</summary>
public enum CertificateScope
{
    /// <summary>The recipient's own certificate: its rfc822Name must match the address.</summary>
    Address,

    /// <summary>A gateway certificate for the recipient's whole domain: its dNSName must match the domain.</summary>
    Domain,
}
