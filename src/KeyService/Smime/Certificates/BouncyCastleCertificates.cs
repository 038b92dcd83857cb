using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// One BouncyCastle view per .NET certificate object, kept as long as that object lives.
/// </summary>
/// <remarks>
/// BouncyCastle validates an RSA modulus (primality test) each time it parses a public key
/// and caches the result in its certificate object: converting afresh for every message
/// cost ~60 ms of CPU per lookup. The certificate directory caches its .NET certificates,
/// so these views live exactly as long as the directory keeps the certificate.
/// </remarks>
internal static class BouncyCastleCertificates
{
    private static readonly ConditionalWeakTable<X509Certificate2, BcCertificate> s_views = [];

    public static BcCertificate For(X509Certificate2 certificate) =>
        s_views.GetValue(certificate, static c => new BcCertificate(c.RawData));
}
