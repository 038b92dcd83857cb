namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// Where recipients' certificates come from: the certificate directory today, an LDAP
/// directory later. A source only finds candidates; validation is not its job.
/// </summary>
public interface ICertificateSource
{
    /// <summary>
    /// The certificates offered for <paramref name="address"/> (already normalised to lower
    /// case): its own ones and those of its domain. Empty when there are none.
    /// </summary>
    ValueTask<IReadOnlyList<CertificateCandidate>> FindAsync(string address, CancellationToken cancellationToken);
}
