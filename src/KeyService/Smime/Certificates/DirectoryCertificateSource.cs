using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace Sovereignty.KeyService.Smime.Certificates;

/// <summary>
/// The certificate directory: a folder of recipients' certificates by address.
/// </summary>
/// <remarks>
/// Layout (docs/smime.md): <c>&lt;dir&gt;/&lt;address&gt;.pem|.crt|.cer</c> and any such file
/// under <c>&lt;dir&gt;/&lt;address&gt;/</c> (several certificates per address allowed, PEM
/// bundles too), plus <c>&lt;dir&gt;/domains/&lt;domain&gt;.pem|.crt|.cer</c> for gateway
/// certificates of a whole domain. Addresses are lower case. Files are re-read when their
/// size or modification time changes, so operators can drop in renewed certificates.
/// </remarks>
internal sealed partial class DirectoryCertificateSource : ICertificateSource
{
    private static readonly string[] s_extensions = [".pem", ".crt", ".cer"];

    private readonly string _root;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CachedFile> _cache = new(StringComparer.Ordinal);

    public DirectoryCertificateSource(string directory, ILogger<DirectoryCertificateSource> logger)
    {
        _root = Path.GetFullPath(directory);
        _logger = logger;
    }

    public ValueTask<IReadOnlyList<CertificateCandidate>> FindAsync(string address, CancellationToken cancellationToken)
    {
        if (!MailAddress.TryNormalize(address, out var normalized))
        {
            return ValueTask.FromResult<IReadOnlyList<CertificateCandidate>>([]);
        }

        var found = new List<CertificateCandidate>();
        foreach (var path in FilesFor(Path.Combine(_root, normalized)))
        {
            AddFrom(path, CertificateScope.Address, found);
        }

        foreach (var path in FilesFor(Path.Combine(_root, "domains", MailAddress.DomainOf(normalized))))
        {
            AddFrom(path, CertificateScope.Domain, found);
        }

        return ValueTask.FromResult<IReadOnlyList<CertificateCandidate>>(found);
    }

    private static IEnumerable<string> FilesFor(string stem)
    {
        foreach (var extension in s_extensions)
        {
            var file = stem + extension;
            if (File.Exists(file))
            {
                yield return file;
            }
        }

        if (Directory.Exists(stem))
        {
            foreach (var file in Directory.EnumerateFiles(stem).Order(StringComparer.Ordinal))
            {
                if (s_extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                {
                    yield return file;
                }
            }
        }
    }

    private void AddFrom(string path, CertificateScope scope, List<CertificateCandidate> found)
    {
        try
        {
            var info = new FileInfo(path);
            var stamp = (info.Length, info.LastWriteTimeUtc);
            if (!_cache.TryGetValue(path, out var cached) || cached.Stamp != stamp)
            {
                cached = new CachedFile(stamp, CertificateFiles.Load(path));
                _cache[path] = cached;
            }

            found.AddRange(cached.Certificates.Select(c => new CertificateCandidate(c, path, scope)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            // An unreadable file is skipped (it cannot make a recipient usable) but said loudly.
            LogUnreadable(_logger, path, ex.Message);
        }
    }

    [LoggerMessage(EventId = 7101, EventName = "SmimeCertificateFileUnreadable", Level = LogLevel.Warning,
        Message = "Certificate file {Path} cannot be read and is ignored: {Error}")]
    private static partial void LogUnreadable(ILogger logger, string path, string error);

    private sealed record CachedFile((long Length, DateTime Modified) Stamp, IReadOnlyList<X509Certificate2> Certificates);
}
