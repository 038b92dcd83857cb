using MimeKit;
using Sovereignty.KeyService.Smime.Certificates;

namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>The outcome of an encryption request.</summary>
/// <param name="Message">The encrypted message, or <see langword="null"/> when refused.</param>
/// <param name="Recipients">Per envelope recipient: the certificate used, or why none was usable.</param>
/// <param name="EscrowFingerprint">SHA-256 fingerprint of the escrow certificate (always a recipient).</param>
public sealed record SmimeEncryptionResult(
    MimeMessage? Message,
    IReadOnlyList<RecipientEncryption> Recipients,
    string EscrowFingerprint)
{
    /// <summary>True when the message was encrypted.</summary>
    public bool Encrypted => Message is not null;

    /// <summary>The recipients that had no usable certificate (empty when all had one).</summary>
    public IReadOnlyList<RecipientEncryption> MissingCertificates => [.. Recipients.Where(r => r.Transport is null)];

    /// <summary>
    /// Non-sensitive facts for the audit event of this message: certificate fingerprints,
    /// never addresses.
    /// </summary>
    public IReadOnlyDictionary<string, string> AuditDetail => new Dictionary<string, string>
    {
        ["recipient-certificates"] = string.Join(',', Recipients.Where(r => r.Fingerprint is not null).Select(r => r.Fingerprint)),
        ["recipients-without-certificate"] = MissingCertificates.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["escrow-certificate"] = EscrowFingerprint,
        ["content-encryption"] = "aes256-cbc",
    };
}

/// <summary>How one envelope recipient was (or was not) encrypted to.</summary>
/// <param name="Address">The recipient (lower case).</param>
/// <param name="Lookup">The certificate lookup, with reasons when nothing was usable.</param>
/// <param name="Transport">The key transport used, or <see langword="null"/> when no certificate was usable.</param>
public sealed record RecipientEncryption(string Address, CertificateLookupResult Lookup, KeyTransport? Transport)
{
    /// <summary>The fingerprint of the certificate used, if any.</summary>
    public string? Fingerprint => Lookup.Selected?.Fingerprint;

    /// <summary>Why the recipient has no usable certificate (empty when it has one).</summary>
    public string Reason => Lookup.Reason;
}
