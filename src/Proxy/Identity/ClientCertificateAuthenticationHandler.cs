using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Sovereignty.Proxy.Identity;

/// <summary>
/// Authenticates a TLS client certificate pinned in <see cref="ClientCertificateOptions.Subjects"/>
/// by its SHA-256 thumbprint. Unknown certificates authenticate nobody (no result, not a failure,
/// so a bearer token can still be tried).
/// </summary>
internal sealed class ClientCertificateAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptions<IdentityOptions> identityOptions)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ClientCertificate";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        IdentityOptions identity = identityOptions.Value;
        if (!identity.ClientCertificates.Enabled)
        {
            return AuthenticateResult.NoResult();
        }

        X509Certificate2? certificate = await Context.Connection.GetClientCertificateAsync(Context.RequestAborted);
        if (certificate is null)
        {
            return AuthenticateResult.NoResult();
        }

        string thumbprint = Convert.ToHexString(SHA256.HashData(certificate.RawData));
        if (!identity.ClientCertificates.Subjects.TryGetValue(thumbprint, out CertificateSubject? subject))
        {
            return AuthenticateResult.Fail($"Client certificate {thumbprint} is not mapped to a subject.");
        }

        var claims = new List<Claim>
        {
            new(identity.SubjectClaim, subject.Subject),
            new(CallerIdentity.MethodClaimType, "client-certificate"),
        };
        claims.AddRange(subject.Groups.Select(group => new Claim(identity.GroupsClaim, group)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, identity.SubjectClaim, null));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }
}
