namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Finds the best usable certificate for an address, and says why none is when none is.</summary>
public interface ICertificateDirectory
{
    /// <summary>
    /// Looks up and validates every certificate offered for <paramref name="address"/>;
    /// selects the usable one with the longest remaining validity, preferring the address's
    /// own certificates over its domain's gateway certificate.
    /// </summary>
    ValueTask<CertificateLookupResult> FindAsync(string address, CertificateUsage usage, CancellationToken cancellationToken);
}
