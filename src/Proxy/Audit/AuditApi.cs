using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Sovereignty.KeyService.Audit;
using StackExchange.Redis;

namespace Sovereignty.Proxy.Audit;

/// <summary>
/// The read-only HTTP audit API: the same queries as <c>sovereignty audit query|stats</c>, as
/// JSON, for callers holding the <c>auditor</c> role. The host maps it with
/// <see cref="MapAuditApi"/> after authentication is configured (JWT bearer in <c>serve</c>).
/// </summary>
internal static class AuditApi
{
    /// <summary>The authorization policy every audit endpoint requires.</summary>
    public const string AuditorPolicy = "auditor";

    /// <summary>The role value that grants it (claim type <c>role</c>, <c>roles</c> or <see cref="ClaimTypes.Role"/>).</summary>
    public const string AuditorRole = "auditor";

    /// <summary>Registers the <see cref="AuditorPolicy"/> policy; enums are written as names in JSON.</summary>
    public static IServiceCollection AddAuditApi(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .AddAuthorizationBuilder()
            .AddPolicy(AuditorPolicy, policy => policy
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.IsInRole(AuditorRole) ||
                    context.User.Claims.Any(c => c.Type is "role" or "roles" or ClaimTypes.Role && c.Value == AuditorRole)))
            .Services;

    /// <summary>Maps <c>GET {prefix}/events</c>, <c>{prefix}/stats</c> and <c>{prefix}/nodes</c>, all requiring <see cref="AuditorPolicy"/>.</summary>
    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder endpoints, string prefix = "/audit")
    {
        var group = endpoints.MapGroup(prefix).RequireAuthorization(AuditorPolicy);
        group.MapGet("/events", QueryAsync);
        group.MapGet("/stats", StatsAsync);
        group.MapGet("/nodes", async (AuditReader reader) => TypedResults.Ok(await reader.NodesAsync()));
        return group;
    }

    private static async Task<Results<Ok<IReadOnlyList<AuditRecord>>, ProblemHttpResult>> QueryAsync(
        AuditReader reader, TimeProvider time, HttpContext context, CancellationToken cancellationToken,
        string? key = null, string? actor = null, string? @object = null, string? op = null, string? result = null,
        string? since = null, string? until = null, int? limit = null, string? node = null, string? order = null)
    {
        try
        {
            if (order is not null and not "asc" and not "desc")
            {
                throw new FormatException($"order '{order}' is unknown; use asc or desc.");
            }

            var query = AuditQueryParser.Parse(key, actor, @object, op, result, since, until, limit, node, order == "asc", time.GetUtcNow());
            return TypedResults.Ok(await reader.QueryAsync(query, cancellationToken));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid audit query");
        }
        catch (RedisException)
        {
            context.Response.Headers.RetryAfter = "5";
            return Unavailable();
        }
    }

    private static async Task<Results<Ok<AuditStatistics>, ProblemHttpResult>> StatsAsync(
        AuditStatisticsReader reader, TimeProvider time, HttpContext context, CancellationToken cancellationToken,
        string? since = null, string? until = null, int? baselineDays = null, double? factor = null, long? minimum = null)
    {
        try
        {
            var now = time.GetUtcNow();
            var from = AuditQueryParser.ParseTime(since, now, "since") ?? now.AddHours(-24);
            var to = AuditQueryParser.ParseTime(until, now, "until") ?? now;
            if (baselineDays is < 1 or > 90)
            {
                throw new FormatException("baselineDays must be between 1 and 90.");
            }

            var defaults = new MassDecryptSettings();
            var settings = new MassDecryptSettings(baselineDays ?? defaults.BaselineDays, factor ?? defaults.Factor, minimum ?? defaults.Minimum);
            return TypedResults.Ok(await reader.ComputeAsync(from, to, settings, cancellationToken));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "Invalid statistics request");
        }
        catch (RedisException)
        {
            context.Response.Headers.RetryAfter = "5";
            return Unavailable();
        }
    }

    private static ProblemHttpResult Unavailable() =>
        TypedResults.Problem("The audit log (Redis) is unavailable; retry later.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Audit log unavailable");
}
