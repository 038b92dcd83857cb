namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Where recipients' certificates live and what makes one usable (section <c>Sovereignty:Smime:Certificates</c>).</summary>
/// <remarks>
/// Defaults fail closed: no system trust store, and a certificate whose issuer has no
/// current CRL among <see cref="CrlFiles"/> is unusable (<see cref="RequireCrl"/>).
/// </remarks>
public sealed class CertificateDirectoryOptions
{
    /// <summary>The certificate directory (layout in docs/smime.md).</summary>
    public string? Directory { get; set; }

    /// <summary>PEM or DER files of trusted root certificates (a PEM file may hold several).</summary>
    public string[]? TrustAnchorFiles { get; set; }

    /// <summary>PEM or DER files of intermediate CA certificates used to build chains.</summary>
    public string[]? IntermediateFiles { get; set; }

    /// <summary>CRL files (PEM or DER), or directories whose <c>*.crl</c> and <c>*.pem</c> files are CRLs.</summary>
    public string[]? CrlFiles { get; set; }

    /// <summary>
    /// When true (default), a certificate whose issuer has no CRL, or only an expired one
    /// (nextUpdate in the past), is rejected. False accepts it with revocation unknown.
    /// </summary>
    public bool RequireCrl { get; set; } = true;

    /// <summary>Also trust the operating system's root store (default false).</summary>
    public bool UseSystemTrustStore { get; set; }

    /// <summary>
    /// How long the verdict on one certificate for one address is reused (default one minute;
    /// zero validates on every message). Chain building and revocation checks then cost once per
    /// recipient per minute instead of once per message; a CRL or certificate file replaced on
    /// disk, or a certificate that expires, takes effect at the latest this long after.
    /// </summary>
    public TimeSpan ValidationCacheDuration { get; set; } = TimeSpan.FromMinutes(1);
}
