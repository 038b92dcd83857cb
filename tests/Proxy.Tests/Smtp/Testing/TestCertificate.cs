using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>A self-signed server certificate for 127.0.0.1/localhost, made at test time and written as PFX and as PEM.</summary>
public sealed class TestCertificate : IDisposable
{
    private TestCertificate(string directory, X509Certificate2 certificate)
    {
        Directory = directory;
        Certificate = certificate;
        PfxPath = Path.Combine(directory, "server.pfx");
        CertificatePemPath = Path.Combine(directory, "server.crt");
        KeyPemPath = Path.Combine(directory, "server.key");
    }

    public string Directory { get; }

    public X509Certificate2 Certificate { get; }

    public string PfxPath { get; }

    public string CertificatePemPath { get; }

    public string KeyPemPath { get; }

    public static TestCertificate Create(string directory)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=relay.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var result = new TestCertificate(directory, certificate);
        File.WriteAllBytes(result.PfxPath, certificate.Export(X509ContentType.Pkcs12));
        File.WriteAllText(result.CertificatePemPath, certificate.ExportCertificatePem());
        File.WriteAllText(result.KeyPemPath, key.ExportPkcs8PrivateKeyPem());
        return result;
    }

    /// <summary>Certificate check for test clients: exactly this certificate, nothing else.</summary>
    public bool Matches(X509Certificate? presented) =>
        presented is not null && presented.GetCertHashString() == Certificate.GetCertHashString();

    public void Dispose() => Certificate.Dispose();
}
