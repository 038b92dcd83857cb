using System.Text.Json;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// RFC 9457 <c>application/problem+json</c> answers: every refusal says what happened, which
/// rule decided and what the caller can do.
/// </summary>
internal static class ProblemResponses
{
    public static async Task WriteAsync(
        HttpContext context,
        int status,
        string title,
        string detail,
        string? rule = null,
        int? retryAfterSeconds = null,
        string? correlationId = null,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        HttpResponse response = context.Response;
        if (response.HasStarted)
        {
            context.Abort();
            return;
        }

        response.Clear();
        response.StatusCode = status;
        response.ContentType = "application/problem+json";
        if (retryAfterSeconds is int seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            response.Headers[name] = value;
        }

        var body = new Dictionary<string, object?>
        {
            ["type"] = "https://sovereignty.invalid/problems/" + status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
            ["instance"] = context.Request.Path.Value,
        };
        if (rule is not null)
        {
            body["rule"] = rule;
        }

        if (correlationId is not null)
        {
            body["correlationId"] = correlationId;
        }

        await JsonSerializer.SerializeAsync(response.Body, body, cancellationToken: context.RequestAborted);
    }
}
