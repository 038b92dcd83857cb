using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// Combines a certificate source with the validator, reusing each verdict for
/// <see cref="CertificateDirectoryOptions.ValidationCacheDuration"/>.
/// </summary>
internal sealed class CertificateDirectory : ICertificateDirectory
{
    /// <summary>Above this many remembered verdicts, expired ones are dropped before adding more.</summary>
    private const int VerdictsBeforeSweep = 10_000;

    private readonly ICertificateSource _source;
    private readonly CertificateValidator _validator;
    private readonly TimeSpan _cacheDuration;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Thumbprint, string Address, CertificateUsage Usage), Verdict> _verdicts = new();

    public CertificateDirectory(ICertificateSource source, CertificateValidator validator, TimeSpan cacheDuration = default, TimeProvider? time = null)
    {
        _source = source;
        _validator = validator;
        _cacheDuration = cacheDuration;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The directory as configured: files, trust anchors and CRLs from <paramref name="options"/>.</summary>
    public static CertificateDirectory Create(CertificateDirectoryOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        var source = new DirectoryCertificateSource(
            options.Directory ?? throw new KeyServiceException(KeyErrorKind.Configuration, "Sovereignty:Smime:Certificates:Directory is not set."),
            loggers.CreateLogger<DirectoryCertificateSource>());
        return new CertificateDirectory(source, CreateValidator(options, time, loggers), options.ValidationCacheDuration, time);
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
            .Select(c => Assess(c, normalized, usage))
            .ToList();

        var selected = assessments
            .Where(a => a.IsUsable)
            .OrderBy(a => a.Candidate.Scope)
            .ThenByDescending(a => a.Certificate.NotAfter)
            .FirstOrDefault();

        return new CertificateLookupResult(normalized, selected, [.. assessments.Where(a => !a.IsUsable)]);
    }

    private CertificateAssessment Assess(CertificateCandidate candidate, string address, CertificateUsage usage)
    {
        if (_cacheDuration <= TimeSpan.Zero)
        {
            return _validator.Assess(candidate, address, usage);
        }

        var now = _time.GetUtcNow();
        var key = (candidate.Certificate.Thumbprint, address, usage);
        if (_verdicts.TryGetValue(key, out var remembered) && now < remembered.Until && remembered.Assessment.Candidate.Scope == candidate.Scope)
        {
            // The candidate object is this lookup's (its file may have been re-read); the verdict is on the same bytes.
            return remembered.Assessment with { Candidate = candidate };
        }

        var assessment = _validator.Assess(candidate, address, usage);
        // A usable certificate stops being so when it expires: never remember it past that.
        var until = now + _cacheDuration;
        var notAfter = new DateTimeOffset(candidate.Certificate.NotAfter.ToUniversalTime());
        if (assessment.IsUsable && notAfter < until)
        {
            until = notAfter;
        }

        if (_verdicts.Count >= VerdictsBeforeSweep)
        {
            foreach (var (staleKey, verdict) in _verdicts)
            {
                if (verdict.Until <= now)
                {
                    _verdicts.TryRemove(staleKey, out _);
                }
            }
        }

        _verdicts[key] = new Verdict(assessment, until);
        return assessment;
    }

    private sealed record Verdict(CertificateAssessment Assessment, DateTimeOffset Until);
}
