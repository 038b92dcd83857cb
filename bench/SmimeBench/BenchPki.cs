using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.Bench.Smime;

/// <summary>A throw-away CA and S/MIME certificates for the benchmark (temp dir).</summary>
internal sealed class BenchPki : IDisposable
{
    private readonly RSA _caKey = RSA.Create(2048);
    private int _serial = 1;

    public BenchPki()
    {
        Directory = Path.Combine(Path.GetTempPath(), "smime-bench-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "certs"));
        var request = new CertificateRequest("CN=Bench Root", _caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        CaFile = Write("ca.pem", Ca);
        var crl = new CertificateRevocationListBuilder().Build(Ca, System.Numerics.BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, DateTimeOffset.UtcNow.AddDays(-1));
        CrlFile = Path.Combine(Directory, "ca.crl");
        File.WriteAllBytes(CrlFile, crl);
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public string CaFile { get; }

    public string CrlFile { get; }

    public X509Certificate2 Issue(string address, X509KeyUsageFlags usage, byte[]? subjectPublicKeyInfo = null)
    {
        using var key = subjectPublicKeyInfo is null ? RSA.Create(2048) : null;
        var request = key is not null
            ? new CertificateRequest($"CN={address}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(new X500DistinguishedName($"CN={address}"), PublicKey.CreateFromSubjectPublicKeyInfo(subjectPublicKeyInfo, out _), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.4")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddEmailAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var issued = request.Create(Ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(300), [(byte)Interlocked.Increment(ref _serial)]);
        if (key is null)
        {
            return issued;
        }

        using (issued)
        {
            return issued.CopyWithPrivateKey(key);
        }
    }

    public string Write(string name, params X509Certificate2[] certificates)
    {
        var path = Path.Combine(Directory, name);
        File.WriteAllText(path, string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n")));
        return path;
    }

    public string WriteKey(string name, X509Certificate2 certificate)
    {
        var path = Path.Combine(Directory, name);
        using var rsa = certificate.GetRSAPrivateKey()!;
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        return path;
    }

    public void Dispose()
    {
        Ca.Dispose();
        _caKey.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
