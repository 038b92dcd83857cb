using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Reads certificates from PEM (one or several) or DER files.</summary>
public static class CertificateFiles
{
    /// <summary>Every certificate in <paramref name="path"/>; throws <see cref="CryptographicException"/> when the file holds none.</summary>
    public static IReadOnlyList<X509Certificate2> Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return Parse(bytes, path);
    }

    /// <summary>Every certificate in <paramref name="bytes"/> (PEM or DER).</summary>
    public static IReadOnlyList<X509Certificate2> Parse(byte[] bytes, string origin)
    {
        if (LooksLikePem(bytes))
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(System.Text.Encoding.ASCII.GetString(bytes));
            if (collection.Count == 0)
            {
                throw new CryptographicException($"{origin}: no CERTIFICATE block in the PEM file.");
            }

            return [.. collection];
        }

        return [X509CertificateLoader.LoadCertificate(bytes)];
    }

    internal static bool LooksLikePem(ReadOnlySpan<byte> bytes) => bytes.IndexOf("-----BEGIN "u8) >= 0;
}
