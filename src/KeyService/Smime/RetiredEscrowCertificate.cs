namespace Sovereignty.KeyService.Smime;

/// <summary>
/// An escrow certificate that no longer receives new mail but whose mail must still be
/// recoverable: a renewed certificate (same key pair, new serial number) or the certificate
/// of an earlier escrow key pair kept in the HSM after a rotation.
/// </summary>
/// <remarks>
/// Messages name their recipient by the certificate's issuer and serial number, so mail
/// encrypted before a renewal only matches the certificate it was encrypted to.
/// </remarks>
public sealed class RetiredEscrowCertificate
{
    /// <summary>PEM file of the retired certificate.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>
    /// Key pair (in <c>Sovereignty:Hsm:KeyPairs</c>) holding its private key; empty means
    /// <see cref="SmimeOptions.EscrowKeyPair"/>, which must then be the key it certifies.
    /// </summary>
    public string? KeyPair { get; set; }
}
