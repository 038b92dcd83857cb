using System.Security.Cryptography.X509Certificates;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>The validation verdict on one certificate for one address and usage.</summary>
/// <param name="Candidate">The certificate and where it came from.</param>
/// <param name="Fingerprint">Its SHA-256 fingerprint (see <see cref="CertificateFingerprint"/>).</param>
/// <param name="Problems">Every reason it is unusable; empty when it is usable.</param>
public sealed record CertificateAssessment(
    CertificateCandidate Candidate,
    string Fingerprint,
    IReadOnlyList<CertificateProblem> Problems)
{
    /// <summary>The certificate assessed.</summary>
    public X509Certificate2 Certificate => Candidate.Certificate;

    /// <summary>True when nothing is wrong with the certificate.</summary>
    public bool IsUsable => Problems.Count == 0;
}

/// <summary>The outcome of looking up a usable certificate for one address.</summary>
/// <param name="Address">The address looked up (normalised to lower case).</param>
/// <param name="Selected">The best usable certificate (longest remaining validity), or <see langword="null"/>.</param>
/// <param name="Rejected">Every candidate that was not usable, each with its reasons.</param>
public sealed record CertificateLookupResult(
    string Address,
    CertificateAssessment? Selected,
    IReadOnlyList<CertificateAssessment> Rejected)
{
    /// <summary>True when a usable certificate was found.</summary>
    public bool Found => Selected is not null;

    /// <summary>One line saying why no certificate is usable (for the SMTP reply and the log); empty when found.</summary>
    public string Reason => Found
        ? string.Empty
        : Rejected.Count == 0
            ? "no certificate in the directory"
            : string.Join("; ", Rejected.Select(r => $"{r.Fingerprint[..16]}: {string.Join(", ", r.Problems)}"));
}
