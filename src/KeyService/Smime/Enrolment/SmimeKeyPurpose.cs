namespace Sovereignty.KeyService.Smime.Enrolment;

/// <summary>What the certificate requested for an HSM key pair will be used for.</summary>
public enum SmimeKeyPurpose
{
    /// <summary>The organisation's signing certificate: digitalSignature and nonRepudiation.</summary>
    Signing,

    /// <summary>The escrow certificate every encrypted mail is also encrypted to: keyEncipherment.</summary>
    Encryption,
}
