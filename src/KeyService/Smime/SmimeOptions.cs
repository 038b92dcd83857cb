using Sovereignty.KeyService.Smime.Certificates;

namespace Sovereignty.KeyService.Smime;

/// <summary>Deployment settings of the S/MIME services (section <c>Sovereignty:Smime</c>).</summary>
/// <remarks>
/// Defaults: key pairs named <c>smime-signing</c> and <c>smime-escrow</c> (configured in
/// <c>Sovereignty:Hsm:KeyPairs</c>); the escrow
/// recipient gets RSA-OAEP with SHA-256 (only our own HSM code decrypts it); header
/// protection moves <see cref="DefaultProtectedHeaders"/> inside the encryption and adds
/// a legacy-display part. See docs/smime.md.
/// </remarks>
public sealed class SmimeOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string SectionName = "Sovereignty:Smime";

    /// <summary>The headers moved inside the encryption when none are configured.</summary>
    public static readonly IReadOnlyList<string> DefaultProtectedHeaders =
        ["Subject", "Keywords", "Comments", "Thread-Topic", "Thread-Index", "Summary"];

    /// <summary>PEM file: the organisation's signing certificate first, then its chain (optional).</summary>
    public string? SigningCertificatePath { get; set; }

    /// <summary>Name of the signing key pair in <c>Sovereignty:Hsm:KeyPairs</c>.</summary>
    public string SigningKeyPair { get; set; } = "smime-signing";

    /// <summary>PEM file: the organisation's escrow certificate, added to every encrypted message.</summary>
    public string? EscrowCertificatePath { get; set; }

    /// <summary>Name of the escrow key pair in <c>Sovereignty:Hsm:KeyPairs</c>.</summary>
    public string EscrowKeyPair { get; set; } = "smime-escrow";

    /// <summary>
    /// Earlier escrow certificates whose mail <c>smime decrypt</c> must still open after a
    /// renewal or a key rotation; new mail only goes to <see cref="EscrowCertificatePath"/>.
    /// </summary>
    public RetiredEscrowCertificate[]? RetiredEscrowCertificates { get; set; }

    /// <summary>Key transport for the escrow recipient. Default <see cref="KeyTransport.OaepSha256"/>.</summary>
    public KeyTransport EscrowKeyTransport { get; set; } = KeyTransport.OaepSha256;

    /// <summary>Recipient domains whose clients are known to handle RSA-OAEP even when their certificate does not say so.</summary>
    public string[]? OaepDomains { get; set; }

    /// <summary>Headers moved inside the encryption; <see langword="null"/> means <see cref="DefaultProtectedHeaders"/>.</summary>
    public string[]? ProtectedHeaders { get; set; }

    /// <summary>Adds an RFC 9788 legacy-display part so clients without header protection show the real Subject in the body.</summary>
    public bool LegacyDisplay { get; set; } = true;

    /// <summary>Where recipients' certificates come from and how they are validated.</summary>
    public CertificateDirectoryOptions Certificates { get; set; } = new();

    /// <summary>The effective list of protected headers.</summary>
    public IReadOnlyList<string> EffectiveProtectedHeaders => ProtectedHeaders ?? DefaultProtectedHeaders;
}

/// <summary>How a content-encryption key is encrypted for one recipient.</summary>
public enum KeyTransport
{
    /// <summary>RSA PKCS#1 v1.5: what every client decrypts (NSS/Thunderbird and gpgsm need it).</summary>
    Pkcs1,

    /// <summary>RSA-OAEP, SHA-1 and MGF1-SHA-1 (the RFC 4055 default parameters).</summary>
    OaepSha1,

    /// <summary>RSA-OAEP, SHA-256 and MGF1-SHA-256.</summary>
    OaepSha256,
}
