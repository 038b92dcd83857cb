using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Security.Certificates;
using Org.BouncyCastle.X509;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// The configured CRL files, re-read when they change (operators or a cron job replace
/// them), and the revocation check of one certificate against its issuer's CRL.
/// </summary>
internal sealed partial class CertificateRevocationLists
{
    private readonly IReadOnlyList<string> _paths;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CachedCrls> _cache = new(StringComparer.Ordinal);

    public CertificateRevocationLists(IEnumerable<string> paths, ILogger logger)
    {
        _paths = [.. paths.Select(Path.GetFullPath)];
        _logger = logger;
    }

    /// <summary>
    /// Checks <paramref name="certificate"/> against the newest current CRL signed by
    /// <paramref name="issuer"/>. <see langword="null"/> means "not revoked".
    /// </summary>
    public CertificateProblem? Check(X509Certificate certificate, X509Certificate issuer, DateTimeOffset now)
    {
        X509Crl? newest = null;
        var sawExpired = false;
        foreach (var file in CurrentFiles())
        {
            for (var index = 0; index < file.Crls.Count; index++)
            {
                var crl = file.Crls[index];
                if (crl.IssuerDN.Equivalent(certificate.IssuerDN) && file.IsSignedBy(index, issuer))
                {
                    Consider(crl, now, ref newest, ref sawExpired);
                }
            }
        }

        if (newest is null)
        {
            return new CertificateProblem(
                CertificateRejection.RevocationUnknown,
                sawExpired
                    ? $"the CRL of '{certificate.IssuerDN}' is out of date (nextUpdate passed)"
                    : $"no CRL from '{certificate.IssuerDN}' is configured");
        }

        var entry = newest.GetRevokedCertificate(certificate.SerialNumber);
        if (entry is not null && new DateTimeOffset(entry.RevocationDate, TimeSpan.Zero) <= now)
        {
            return new CertificateProblem(
                CertificateRejection.Revoked,
                $"serial {certificate.SerialNumber.ToString(16)} revoked by '{certificate.IssuerDN}' on {entry.RevocationDate:yyyy-MM-dd}");
        }

        return null;
    }

    /// <summary>Keeps <paramref name="crl"/> as <paramref name="newest"/> when it is current and newer.</summary>
    private static void Consider(X509Crl crl, DateTimeOffset now, ref X509Crl? newest, ref bool sawExpired)
    {
        var thisUpdate = new DateTimeOffset(crl.ThisUpdate, TimeSpan.Zero);
        var nextUpdate = crl.NextUpdate is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : (DateTimeOffset?)null;
        if (thisUpdate > now || nextUpdate is null || nextUpdate < now)
        {
            // A CRL without nextUpdate cannot be known to be current: treat it like an expired one.
            sawExpired = true;
            return;
        }

        if (newest is null || crl.ThisUpdate > newest.ThisUpdate)
        {
            newest = crl;
        }
    }

    private static bool SignedBy(X509Crl crl, Org.BouncyCastle.Crypto.AsymmetricKeyParameter issuerKey)
    {
        try
        {
            crl.Verify(issuerKey);
            return true;
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.SignatureException or CrlException or CryptographicException or GeneralSecurityException)
        {
            return false;
        }
    }

    private IEnumerable<CachedCrls> CurrentFiles()
    {
        foreach (var configured in _paths)
        {
            IEnumerable<string> files = Directory.Exists(configured)
                ? Directory.EnumerateFiles(configured).Where(f => f.EndsWith(".crl", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".pem", StringComparison.OrdinalIgnoreCase))
                : [configured];
            foreach (var file in files)
            {
                var cached = Load(file);
                if (cached is not null)
                {
                    yield return cached;
                }
            }
        }
    }

    private CachedCrls? Load(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists)
            {
                LogMissing(_logger, file);
                return null;
            }

            var stamp = (info.Length, info.LastWriteTimeUtc);
            if (_cache.TryGetValue(file, out var cached) && cached.Stamp == stamp)
            {
                return cached;
            }

            var crls = new X509CrlParser().ReadCrls(File.ReadAllBytes(file)).ToList();
            cached = new CachedCrls(stamp, crls);
            _cache[file] = cached;
            return cached;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CrlException or ArgumentException)
        {
            LogUnreadable(_logger, file, ex.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 7102, EventName = "SmimeCrlFileMissing", Level = LogLevel.Warning,
        Message = "CRL file {Path} does not exist: certificates of its issuer count as revocation unknown")]
    private static partial void LogMissing(ILogger logger, string path);

    [LoggerMessage(EventId = 7103, EventName = "SmimeCrlFileUnreadable", Level = LogLevel.Warning,
        Message = "CRL file {Path} cannot be read and is ignored: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);

    /// <summary>
    /// The CRLs of one file as last read, and which issuers' signatures on them were checked.
    /// Verifying a CRL signature is an RSA operation in BouncyCastle that cost more than the rest
    /// of a message's encryption; a CRL and an issuer certificate do not change while the file's
    /// stamp stays the same, so the result is kept with them.
    /// </summary>
    private sealed class CachedCrls((long Length, DateTime Modified) stamp, IReadOnlyList<X509Crl> crls)
    {
        private readonly ConcurrentDictionary<(int CrlIndex, string Issuer), bool> _signatures = new();

        public (long Length, DateTime Modified) Stamp { get; } = stamp;

        public IReadOnlyList<X509Crl> Crls { get; } = crls;

        public bool IsSignedBy(int crlIndex, X509Certificate issuer) =>
            _signatures.GetOrAdd(
                (crlIndex, Convert.ToHexString(SHA256.HashData(issuer.GetEncoded()))),
                static (key, state) => SignedBy(state.Crls[key.CrlIndex], state.Issuer.GetPublicKey()),
                (Crls, Issuer: issuer));
    }
}
