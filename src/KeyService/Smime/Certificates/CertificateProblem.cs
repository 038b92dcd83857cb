namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Why a certificate cannot be used.</summary>
public enum CertificateRejection
{
    /// <summary>The file could not be parsed as a certificate.</summary>
    Unreadable,

    /// <summary>The key is not RSA (S/MIME key transport here is RSA only).</summary>
    NotRsa,

    /// <summary>The certificate is not valid yet.</summary>
    NotYetValid,

    /// <summary>The certificate has expired.</summary>
    Expired,

    /// <summary>The certificate is a CA certificate (basicConstraints CA:TRUE), not an end-entity one.</summary>
    CertificateAuthority,

    /// <summary>The key usage extension is missing or lacks the usage required.</summary>
    KeyUsage,

    /// <summary>The extended key usage extension is missing or lacks emailProtection.</summary>
    ExtendedKeyUsage,

    /// <summary>No subjectAltName rfc822Name (or dNSName for a domain certificate) matches the address.</summary>
    AddressMismatch,

    /// <summary>No chain to a configured trust anchor (or a CA in the chain is invalid).</summary>
    UntrustedChain,

    /// <summary>The certificate (or a CA in its chain) is on its issuer's CRL.</summary>
    Revoked,

    /// <summary>No current CRL from the issuer: revocation cannot be checked (fail closed).</summary>
    RevocationUnknown,
}

/// <summary>One reason a certificate was rejected, with a detail for the operator (never key material).</summary>
/// <param name="Reason">The kind of problem.</param>
/// <param name="Detail">A sentence that says what exactly is wrong.</param>
public sealed record CertificateProblem(CertificateRejection Reason, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Reason}: {Detail}";
}
