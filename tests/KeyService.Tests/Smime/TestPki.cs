using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService.Smime;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>
/// A throw-away PKI generated at test time relative to "now": a root CA, recipients'
/// certificates with the extensions mail clients require, and CRLs. Lives in a temp dir.
/// </summary>
public sealed class TestPki : IDisposable
{
    private const string EmailProtection = "1.3.6.1.5.5.7.3.4";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";
    private int _serial = 100;

    public TestPki(string caName = "Sovereignty Test Root")
    {
        Directory = Path.Combine(Path.GetTempPath(), "smime-pki-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Now = DateTimeOffset.UtcNow;
        Ca = CreateCa(caName);
        CaFile = WritePem("ca.pem", Ca);
    }

    /// <summary>The moment certificate validity is computed from.</summary>
    public DateTimeOffset Now { get; }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public string CaFile { get; }

    public static string WrongEku => ClientAuth;

    public static string EmailEku => EmailProtection;

    /// <summary>Issues an end-entity certificate (with its private key) for <paramref name="address"/>.</summary>
    public X509Certificate2 Issue(string address, RecipientProfile? profile = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={address}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var issued = Issue(request, address, profile ?? new RecipientProfile());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Issues a certificate for a public key whose private half lives elsewhere (an HSM).</summary>
    public X509Certificate2 IssueFor(byte[] subjectPublicKeyInfo, string address, RecipientProfile? profile = null)
    {
        var publicKey = PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={address}"), publicKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return Issue(request, address, profile ?? new RecipientProfile());
    }

    private X509Certificate2 Issue(CertificateRequest request, string address, RecipientProfile profile)
    {
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(profile.CertificateAuthority, false, 0, true));
        if (profile.KeyUsage is { } usage)
        {
            request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        }

        if (profile.ExtendedKeyUsage is { } eku)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        }

        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(profile.SanEmail ?? address);
        if (profile.SanDns is { } dns)
        {
            san.AddDnsName(dns);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(profile.Issuer ?? Ca, true, false));
        if (profile.Advertise is { } advertised)
        {
            request.CertificateExtensions.Add(CapabilitiesExtension(advertised));
        }

        var serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        Array.Reverse(serial);
        return request.Create(profile.Issuer ?? Ca, Now + profile.NotBefore, Now + profile.NotAfter, serial);
    }

    /// <summary>A CRL of <see cref="Ca"/> revoking <paramref name="revoked"/>.</summary>
    public byte[] CreateCrl(IEnumerable<X509Certificate2> revoked, TimeSpan? nextUpdateIn = null, X509Certificate2? issuer = null)
    {
        var builder = new CertificateRevocationListBuilder();
        foreach (var certificate in revoked)
        {
            builder.AddEntry(certificate, Now - TimeSpan.FromHours(1), X509RevocationReason.KeyCompromise);
        }

        var thisUpdate = Now - TimeSpan.FromDays(2);
        var nextUpdate = Now + (nextUpdateIn ?? TimeSpan.FromDays(7));
        return builder.Build(issuer ?? Ca, BigInteger.One, nextUpdate, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, thisUpdate);
    }

    public string WriteCrl(string name, byte[] crl)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllBytes(path, crl);
        return path;
    }

    public string WritePem(string relativePath, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(Directory, relativePath);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    /// <summary>Writes the certificate's private key as unencrypted PKCS#8 PEM (for openssl).</summary>
    public string WriteKey(string relativePath, X509Certificate2 certificate)
    {
        var path = Path.Combine(Directory, relativePath);
        using var rsa = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        return path;
    }

    public X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(Now - TimeSpan.FromDays(1000), Now + TimeSpan.FromDays(3650));
    }

    /// <summary>An sMIMECapabilities extension (RFC 4262) advertising AES-256-CBC and, when asked, OAEP.</summary>
    private static X509Extension CapabilitiesExtension(KeyTransport advertised)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            if (advertised != KeyTransport.Pkcs1)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier("1.2.840.113549.1.1.7");
                    if (advertised == KeyTransport.OaepSha256)
                    {
                        using (writer.PushSequence())
                        {
                            var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true);
                            using (writer.PushSequence(hashTag))
                            using (writer.PushSequence())
                            {
                                writer.WriteObjectIdentifier("2.16.840.1.101.3.4.2.1");
                            }
                        }
                    }
                }
            }

            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("2.16.840.1.101.3.4.1.42");
            }
        }

        return new X509Extension("1.2.840.113549.1.9.15", writer.Encode(), false);
    }

    public void Dispose()
    {
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir must not fail the test run.
        }
    }
}

/// <summary>What is special about a test certificate; defaults make a valid S/MIME certificate.</summary>
public sealed record RecipientProfile
{
    public TimeSpan NotBefore { get; init; } = TimeSpan.FromDays(-1);

    public TimeSpan NotAfter { get; init; } = TimeSpan.FromDays(365);

    public X509KeyUsageFlags? KeyUsage { get; init; } = X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DigitalSignature;

    public string? ExtendedKeyUsage { get; init; } = TestPki.EmailEku;

    public bool CertificateAuthority { get; init; }

    public string? SanEmail { get; init; }

    public string? SanDns { get; init; }

    public KeyTransport? Advertise { get; init; }

    public X509Certificate2? Issuer { get; init; }
}
