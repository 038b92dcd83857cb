using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Sovereignty.Proxy.Identity;

/// <summary>Turns PEM public keys (RSA or EC, SPKI or PKCS#1) into token-validation keys.</summary>
internal static class SigningKeyLoader
{
    public static bool TryLoad(string pem, [NotNullWhen(true)] out SecurityKey? key, [NotNullWhen(false)] out string? error)
    {
        key = null;
        error = null;
        try
        {
            var rsa = RSA.Create();
            try
            {
                rsa.ImportFromPem(pem);
                key = new RsaSecurityKey(rsa) { KeyId = KeyIdOf(rsa.ExportSubjectPublicKeyInfo()) };
                return true;
            }
            catch (ArgumentException)
            {
                rsa.Dispose();
            }
            catch (CryptographicException)
            {
                rsa.Dispose();
            }

            var ec = ECDsa.Create();
            try
            {
                ec.ImportFromPem(pem);
                key = new ECDsaSecurityKey(ec) { KeyId = KeyIdOf(ec.ExportSubjectPublicKeyInfo()) };
                return true;
            }
            catch (ArgumentException)
            {
                ec.Dispose();
            }
            catch (CryptographicException)
            {
                ec.Dispose();
            }
        }
        catch (CryptographicException e)
        {
            error = $"not a PEM RSA or EC public key ({e.Message}).";
            return false;
        }

        error = "not a PEM RSA or EC public key.";
        return false;
    }

    /// <summary>Key id used by dev tokens and inline keys: base64url of the first 16 bytes of SHA-256(SPKI).</summary>
    public static string KeyIdOf(byte[] subjectPublicKeyInfo) =>
        Base64UrlEncoder.Encode(SHA256.HashData(subjectPublicKeyInfo).AsSpan(0, 16).ToArray());
}
