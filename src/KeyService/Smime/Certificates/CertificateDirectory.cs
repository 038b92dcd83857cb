using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>Combines a certificate source with the validator.</summary>
internal sealed class CertificateDirectory : ICertificateDirectory
{
    private readonly ICertificateSource _source;
    private readonly CertificateValidator _validator;

    public CertificateDirectory(ICertificateSource source, CertificateValidator validator)
    {
        _source = source;
        _validator = validator;
    }

    /// <summary>The directory as configured: files, trust anchors and CRLs from <paramref name="options"/>.</summary>
    public static CertificateDirectory Create(CertificateDirectoryOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        var source = new DirectoryCertificateSource(
            options.Directory ?? throw new KeyServiceException(KeyErrorKind.Configuration, "Sovereignty:Smime:Certificates:Directory is not set."),
            loggers.CreateLogger<DirectoryCertificateSource>());
        return new CertificateDirectory(source, CreateValidator(options, time, loggers));
    }

    public static CertificateValidator CreateValidator(CertificateDirectoryOptions options, TimeProvider time, ILoggerFactory loggers) => new(
        TrustStoreLoader.Load(options.TrustAnchorFiles),
        TrustStoreLoader.Load(options.IntermediateFiles),
        new CertificateRevocationLists(options.CrlFiles ?? [], loggers.CreateLogger<CertificateRevocationLists>()),
        options,
        time);

    public async ValueTask<CertificateLookupResult> FindAsync(string address, CertificateUsage usage, CancellationToken cancellationToken)
    {
        if (!MailAddress.TryNormalize(address, out var normalized))
        {
            throw new ArgumentException("Not a plain local@domain address.", nameof(address));
        }

        var candidates = await _source.FindAsync(normalized, cancellationToken).ConfigureAwait(false);
        var assessments = candidates
            .DistinctBy(c => c.Certificate.Thumbprint)
            .Select(c => _validator.Assess(c, normalized, usage))
            .ToList();

        var selected = assessments
            .Where(a => a.IsUsable)
            .OrderBy(a => a.Candidate.Scope)
            .ThenByDescending(a => a.Certificate.NotAfter)
            .FirstOrDefault();

        return new CertificateLookupResult(normalized, selected, [.. assessments.Where(a => !a.IsUsable)]);
    }
}
