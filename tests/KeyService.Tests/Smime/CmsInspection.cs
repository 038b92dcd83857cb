using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Cms;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>Reads the EnvelopedData of an encrypted message, to check algorithms and recipient ids.</summary>
internal static class CmsInspection
{
    public static byte[] Pkcs7Bytes(MimeMessage message)
    {
        var part = Assert.IsType<ApplicationPkcs7Mime>(message.Body);
        using var memory = new MemoryStream();
        part.Content!.DecodeTo(memory);
        return memory.ToArray();
    }

    public static EnvelopedData Enveloped(MimeMessage message) =>
        EnvelopedData.GetInstance(ContentInfo.GetInstance(Asn1Object.FromByteArray(Pkcs7Bytes(message))).Content);

    /// <summary>(issuer+serial?, key-encryption OID, serial) of every recipient.</summary>
    public static List<(bool IssuerAndSerial, string KeyEncryption, string Serial)> Recipients(MimeMessage message) =>
        [.. Enveloped(message).RecipientInfos.Cast<Asn1Encodable>()
            .Select(e => (KeyTransRecipientInfo)RecipientInfo.GetInstance(e).Info)
            .Select(k => (!k.RecipientIdentifier.IsTagged,
                k.KeyEncryptionAlgorithm.Algorithm.Id,
                k.RecipientIdentifier.IsTagged ? "" : IssuerAndSerialNumber.GetInstance(k.RecipientIdentifier.ID).SerialNumber.Value.ToString(16)))];

    public static string Serial(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) =>
        new Org.BouncyCastle.X509.X509Certificate(certificate.RawData).SerialNumber.ToString(16);

    public static async Task<string> WriteAsync(MimeMessage message, string directory, string name)
    {
        var path = Path.Combine(directory, name);
        await message.WriteToAsync(path);
        return path;
    }
}
