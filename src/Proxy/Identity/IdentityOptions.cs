namespace Sovereignty.Proxy.Identity;

/// <summary>
/// How callers authenticate (configuration section <c>Sovereignty:Identity</c>): JWT bearer
/// tokens from the organisation's identity provider, and optionally pinned client certificates.
/// </summary>
/// <remarks>
/// Exactly one source of signing keys is required: inline PEM public keys
/// (<see cref="SigningKeys"/>), PEM files (<see cref="SigningKeyFiles"/>), a JWKS document
/// (<see cref="JwksUrl"/>) or OpenID Connect discovery (<see cref="Authority"/>).
/// Defaults: subject claim <c>sub</c>, groups claim <c>groups</c>, clock skew 1 minute,
/// HTTPS required for JWKS / discovery, validated tokens re-accepted for 1 minute (1,000 at most).
/// </remarks>
public sealed class IdentityOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sovereignty:Identity";

    /// <summary>Expected <c>iss</c> of every token. Required.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>Expected <c>aud</c> of every token. Required.</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>Public keys (RSA or EC) as PEM text, for identity providers without JWKS.</summary>
    public IList<string> SigningKeys { get; } = [];

    /// <summary>Files holding PEM public keys (the dev key under <c>.dev/identity</c>).</summary>
    public IList<string> SigningKeyFiles { get; } = [];

    /// <summary>A JWKS document (<c>https://idp/.well-known/jwks.json</c>), fetched and cached; refetched on an unknown <c>kid</c>.</summary>
    public Uri? JwksUrl { get; set; }

    /// <summary>An OpenID Connect issuer whose discovery document names the JWKS.</summary>
    public Uri? Authority { get; set; }

    /// <summary>Refuse plain-HTTP JWKS / discovery endpoints. Default true; tests on loopback turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>The claim that names the caller. Default <c>sub</c>.</summary>
    public string SubjectClaim { get; set; } = "sub";

    /// <summary>The claim that lists the caller's groups (a JSON array or repeated claims). Default <c>groups</c>.</summary>
    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Tolerance on <c>exp</c> / <c>nbf</c>. Default 1 minute.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a bearer token that passed validation is accepted again without re-checking its
    /// signature (never beyond its own <c>exp</c>; see <see cref="ValidatedTokenCache"/>). Default
    /// 1 minute; zero turns the cache off. A signing key withdrawn from the JWKS stops being
    /// honoured within this time.
    /// </summary>
    public TimeSpan ValidatedTokenCacheDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many validated tokens are kept at most (default 1,000; a token and its principal take a few KiB).</summary>
    public int ValidatedTokenCacheSize { get; set; } = 1_000;

    /// <summary>Client certificates accepted in place of a token.</summary>
    public ClientCertificateOptions ClientCertificates { get; set; } = new();
}

/// <summary>
/// Client certificates pinned by SHA-256 thumbprint, each mapped to a subject and groups.
/// Pinning is the trust decision: a certificate that is not listed authenticates nobody.
/// </summary>
public sealed class ClientCertificateOptions
{
    /// <summary>Ask TLS clients for a certificate. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Thumbprint (SHA-256, hex, case-insensitive) → who the certificate is.</summary>
    public IDictionary<string, CertificateSubject> Subjects { get; } =
        new Dictionary<string, CertificateSubject>(StringComparer.OrdinalIgnoreCase);
}

/// <summary>The identity a pinned client certificate stands for.</summary>
public sealed class CertificateSubject
{
    /// <summary>Subject recorded in policy decisions and audit events.</summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>Groups of that subject.</summary>
    public IList<string> Groups { get; } = [];
}
