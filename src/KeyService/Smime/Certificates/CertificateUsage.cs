namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>What a certificate is looked up for: it decides the key usage required.</summary>
public enum CertificateUsage
{
    /// <summary>Encrypting to the certificate's key: requires keyEncipherment.</summary>
    Encryption,

    /// <summary>Verifying signatures made by the certificate's key: requires digitalSignature or nonRepudiation.</summary>
    Signing,
}
