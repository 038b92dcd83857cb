using System.Security.Claims;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Identity;

/// <summary>
/// Who is calling, as the policy (who may decrypt which label) and the audit log (the actor
/// of every key use) see it. Built once per request from the authenticated principal.
/// </summary>
/// <param name="Subject">The token's subject (or the subject mapped from a client certificate).</param>
/// <param name="Groups">The caller's groups, from the configured groups claim.</param>
/// <param name="AuthenticationMethod"><c>jwt</c> or <c>client-certificate</c>.</param>
/// <param name="ClientAddress">Remote IP address, when known.</param>
/// <param name="ClientSoftware">The User-Agent, when given.</param>
public sealed record CallerIdentity(
    string Subject,
    IReadOnlyList<string> Groups,
    string AuthenticationMethod,
    string? ClientAddress,
    string? ClientSoftware)
{
    /// <summary>Claim type carrying the authentication method on principals this gateway builds.</summary>
    public const string MethodClaimType = "sovereignty:amr";

    /// <summary>True when the caller is in <paramref name="group"/> (ordinal comparison).</summary>
    public bool IsInGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);

    /// <summary>
    /// The caller of an authenticated request, or null when the request is anonymous or its
    /// principal carries no subject.
    /// </summary>
    public static CallerIdentity? FromHttpContext(HttpContext context, IdentityOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        ClaimsPrincipal user = context.User;
        if (user.Identity is not { IsAuthenticated: true })
        {
            return null;
        }

        string? subject = user.FindFirst(options.SubjectClaim)?.Value;
        if (string.IsNullOrWhiteSpace(subject))
        {
            return null;
        }

        string[] groups = user.FindAll(options.GroupsClaim)
            .Select(claim => claim.Value)
            .Where(value => value.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        string method = user.FindFirst(MethodClaimType)?.Value ?? "jwt";
        string? userAgent = context.Request.Headers.UserAgent.ToString();
        return new CallerIdentity(
            subject,
            groups,
            method,
            context.Connection.RemoteIpAddress?.ToString(),
            string.IsNullOrEmpty(userAgent) ? null : userAgent);
    }

    /// <summary>The audit record's view of this caller acting on <paramref name="objectId"/>.</summary>
    public KeyUse ToKeyUse(string objectId, string? purpose, string? policyVersion, string correlationId) => new()
    {
        Actor = Subject,
        Groups = Groups,
        ClientAddress = ClientAddress,
        ClientSoftware = ClientSoftware,
        ObjectId = objectId,
        Purpose = purpose,
        PolicyVersion = policyVersion,
        CorrelationId = correlationId,
    };
}
