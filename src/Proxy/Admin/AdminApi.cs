using System.Security.Claims;
using Sovereignty.Policies.Reload;
using Sovereignty.Policies.Validation;
using Sovereignty.Proxy.Documents;

namespace Sovereignty.Proxy.Admin;

/// <summary>
/// The node's admin API for operators and auditors. <c>GET /admin/policy</c>: which policy
/// version is in force since when, and why the last change on disk was rejected (every error as
/// <c>file:line:col: message</c>). Read-only; callers need the <c>operator</c> or
/// <c>auditor</c> role (claim <c>role</c>, <c>roles</c> or <see cref="ClaimTypes.Role"/>).
/// </summary>
internal static class AdminApi
{
    /// <summary>The authorization policy of the admin endpoints.</summary>
    public const string OperatorOrAuditorPolicy = "operator-or-auditor";

    private static readonly string[] Roles = ["operator", "auditor"];

    public static IServiceCollection AddAdminApi(this IServiceCollection services) =>
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorOrAuditorPolicy, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.Claims.Any(c =>
                    c.Type is "role" or "roles" or ClaimTypes.Role && Roles.Contains(c.Value, StringComparer.Ordinal))))
            .Services;

    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints, string prefix = "/admin")
    {
        RouteGroupBuilder group = endpoints.MapGroup(prefix).RequireAuthorization(OperatorOrAuditorPolicy);
        group.MapGet("/policy", (ReloadingPolicySource policy) => TypedResults.Ok(PolicyStatusResponse.From(policy.Status)));
        return group;
    }
}

/// <summary>What <c>GET /admin/policy</c> answers.</summary>
internal sealed record PolicyStatusResponse(
    string Name,
    string Version,
    string Directory,
    DateTimeOffset LoadedAt,
    DateTimeOffset LastCheckedAt,
    bool LastChangeRejected,
    string? RejectedVersion,
    DateTimeOffset? RejectedAt,
    IReadOnlyList<PolicyErrorResponse> Errors)
{
    public static PolicyStatusResponse From(PolicyStatus status) => new(
        status.Name, status.Version, status.Directory, status.LoadedAt, status.LastCheckedAt, status.LastChangeRejected,
        status.RejectedVersion, status.RejectedAt, [.. status.LastErrors.Select(PolicyErrorResponse.From)]);
}

/// <summary>One error of a rejected policy change; <c>Location</c> is <c>file:line:col</c>.</summary>
internal sealed record PolicyErrorResponse(string Location, string File, int Line, int Column, string Message)
{
    public static PolicyErrorResponse From(PolicyError error) =>
        new($"{error.File}:{error.Line}:{error.Column}", error.File, error.Line, error.Column, error.Message);
}
