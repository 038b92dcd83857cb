using MimeKit;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>What to encrypt, for whom, and what to do when a recipient has no usable certificate.</summary>
/// <param name="Message">The message; it is consumed (its body and headers are rewritten).</param>
/// <param name="Recipients">The envelope recipients (RCPT TO), not the header addresses.</param>
/// <param name="Use">Who sends, which rule asked for encryption: goes to the audit event of the signature.</param>
public sealed record SmimeEncryptionRequest(MimeMessage Message, IReadOnlyList<string> Recipients, KeyUse Use)
{
    /// <summary>The Subject the provider sees instead of the real one (set by the policy).</summary>
    public string PlaceholderSubject { get; init; } = "Encrypted message";

    /// <summary>Sign inside the encryption with the organisation's key (integrity for the recipient).</summary>
    public bool Sign { get; init; }

    /// <summary>What to do when a recipient has no usable certificate. Default: refuse.</summary>
    public MissingCertificateAction WhenCertificateMissing { get; init; } = MissingCertificateAction.Refuse;
}

/// <summary>The policy choice for a recipient without a usable certificate. Never clear text.</summary>
public enum MissingCertificateAction
{
    /// <summary>Encrypt nothing; the result names the recipients and why (the relay answers 5.7.x).</summary>
    Refuse,

    /// <summary>Encrypt anyway: those recipients cannot read it, the escrow key (and the others) can.</summary>
    EncryptToEscrowOnly,
}
