using System.Security.Cryptography.X509Certificates;
using BcCertificate = Org.BouncyCastle.X509.X509Certificate;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// Decides whether a certificate may be used for an address: chain to a configured trust
/// anchor, validity dates, end-entity, key usage, emailProtection, subjectAltName, and
/// revocation from the configured CRLs. Collects every problem, not just the first.
/// </summary>
internal sealed class CertificateValidator
{
    private const string EmailProtectionOid = "1.3.6.1.5.5.7.3.4";
    private const int Rfc822NameTag = 1;
    private const int DnsNameTag = 2;

    private readonly X509Certificate2Collection _trustAnchors;
    private readonly X509Certificate2Collection _intermediates;
    private readonly CertificateRevocationLists _crls;
    private readonly CertificateDirectoryOptions _options;
    private readonly TimeProvider _time;

    public CertificateValidator(
        X509Certificate2Collection trustAnchors,
        X509Certificate2Collection intermediates,
        CertificateRevocationLists crls,
        CertificateDirectoryOptions options,
        TimeProvider time)
    {
        _trustAnchors = trustAnchors;
        _intermediates = intermediates;
        _crls = crls;
        _options = options;
        _time = time;
    }

    public CertificateAssessment Assess(CertificateCandidate candidate, string address, CertificateUsage usage)
    {
        var certificate = candidate.Certificate;
        var problems = new List<CertificateProblem>();
        var now = _time.GetUtcNow();

        using (var rsa = certificate.GetRSAPublicKey())
        {
            if (rsa is null)
            {
                problems.Add(new(CertificateRejection.NotRsa, $"the key is {certificate.PublicKey.Oid.FriendlyName ?? certificate.PublicKey.Oid.Value}, not RSA"));
            }
        }

        var datesOk = CheckDates(certificate, now, problems);
        CheckEndEntity(certificate, problems);
        CheckKeyUsage(certificate, usage, problems);
        CheckEmailProtection(certificate, problems);
        CheckAddress(certificate, address, candidate.Scope, problems);
        CheckChainAndRevocation(certificate, now, datesOk, problems);

        return new CertificateAssessment(candidate, CertificateFingerprint.Sha256(certificate), problems);
    }

    private static bool CheckDates(X509Certificate2 certificate, DateTimeOffset now, List<CertificateProblem> problems)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero);
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (now < notBefore)
        {
            problems.Add(new(CertificateRejection.NotYetValid, $"valid only from {notBefore:u}"));
            return false;
        }

        if (now > notAfter)
        {
            problems.Add(new(CertificateRejection.Expired, $"expired on {notAfter:u}"));
            return false;
        }

        return true;
    }

    private static void CheckEndEntity(X509Certificate2 certificate, List<CertificateProblem> problems)
    {
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            problems.Add(new(CertificateRejection.CertificateAuthority, "basicConstraints says CA:TRUE; mail clients refuse CA certificates for S/MIME"));
        }
    }

    private static void CheckKeyUsage(X509Certificate2 certificate, CertificateUsage usage, List<CertificateProblem> problems)
    {
        var keyUsage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        var required = usage == CertificateUsage.Encryption
            ? X509KeyUsageFlags.KeyEncipherment
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation;
        if (keyUsage is null)
        {
            problems.Add(new(CertificateRejection.KeyUsage, "no keyUsage extension"));
        }
        else if ((keyUsage.KeyUsages & required) == 0)
        {
            problems.Add(new(CertificateRejection.KeyUsage, $"keyUsage is {keyUsage.KeyUsages}, {usage} needs {required}"));
        }
    }

    private static void CheckEmailProtection(X509Certificate2 certificate, List<CertificateProblem> problems)
    {
        var eku = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault();
        if (eku is null)
        {
            problems.Add(new(CertificateRejection.ExtendedKeyUsage, "no extendedKeyUsage extension (emailProtection required)"));
        }
        else if (!eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == EmailProtectionOid))
        {
            problems.Add(new(CertificateRejection.ExtendedKeyUsage, "extendedKeyUsage lacks emailProtection"));
        }
    }

    private static void CheckAddress(X509Certificate2 certificate, string address, CertificateScope scope, List<CertificateProblem> problems)
    {
        var expected = scope == CertificateScope.Address ? address : MailAddress.DomainOf(address);
        var tag = scope == CertificateScope.Address ? Rfc822NameTag : DnsNameTag;
        var names = BouncyCastleCertificates.For(certificate).GetSubjectAlternativeNames();
        var match = names?.Any(n => n.Count == 2 && n[0] is int t && t == tag && n[1] is string v && string.Equals(v, expected, StringComparison.OrdinalIgnoreCase)) ?? false;
        if (!match)
        {
            problems.Add(new(
                CertificateRejection.AddressMismatch,
                scope == CertificateScope.Address ? "no subjectAltName rfc822Name matches the address" : "no subjectAltName dNSName matches the domain"));
        }
    }

    private void CheckChainAndRevocation(X509Certificate2 certificate, DateTimeOffset now, bool leafDatesOk, List<CertificateProblem> problems)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = _options.UseSystemTrustStore ? X509ChainTrustMode.System : X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustAnchors);
        chain.ChainPolicy.ExtraStore.AddRange(_intermediates);
        // Revocation comes from the configured CRL files below, never from the network.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;

        var built = chain.Build(certificate);
        try
        {
            if (!built)
            {
                var statuses = chain.ChainStatus
                    .Where(s => leafDatesOk || s.Status != X509ChainStatusFlags.NotTimeValid)
                    .Select(s => s.Status.ToString())
                    .Distinct()
                    .ToList();
                if (statuses.Count > 0 || leafDatesOk)
                {
                    problems.Add(new(CertificateRejection.UntrustedChain, statuses.Count > 0 ? string.Join(", ", statuses) : "chain does not build"));
                }

                if (chain.ChainElements.Count < 2 || statuses.Contains(nameof(X509ChainStatusFlags.UntrustedRoot)) || statuses.Contains(nameof(X509ChainStatusFlags.PartialChain)))
                {
                    return;
                }
            }

            // Every certificate except the trust anchor itself is checked against its issuer's CRL.
            var elements = chain.ChainElements;
            for (var i = 0; i < elements.Count - 1; i++)
            {
                var subject = i == 0 ? BouncyCastleCertificates.For(certificate) : Known(elements[i].Certificate);
                var issuer = Known(elements[i + 1].Certificate);
                var problem = _crls.Check(subject, issuer, now);
                if (problem is null)
                {
                    continue;
                }

                if (problem.Reason == CertificateRejection.RevocationUnknown && !_options.RequireCrl)
                {
                    continue;
                }

                problems.Add(i == 0 ? problem : problem with { Detail = $"CA certificate '{elements[i].Certificate.Subject}': {problem.Detail}" });
            }
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate))
                {
                    element.Certificate.Dispose();
                }
            }
        }
    }

    /// <summary>The configured CA certificate equal to <paramref name="element"/> (chain elements are fresh copies).</summary>
    private BcCertificate Known(X509Certificate2 element)
    {
        foreach (var collection in (ReadOnlySpan<X509Certificate2Collection>)[_trustAnchors, _intermediates])
        {
            foreach (var known in collection)
            {
                if (known.RawDataMemory.Span.SequenceEqual(element.RawDataMemory.Span))
                {
                    return BouncyCastleCertificates.For(known);
                }
            }
        }

        return new BcCertificate(element.RawData);
    }
}
