using Sovereignty.KeyService;

namespace Sovereignty.Proxy.Documents;

/// <summary>Turns a key-service failure into the HTTP answer: retryable → 503 + Retry-After, others → a clear refusal.</summary>
internal static class KeyServiceFailure
{
    public static Task AnswerAsync(HttpContext context, KeyServiceException exception, string objectId, int retryAfterSeconds, ILogger logger)
    {
        if (exception.IsRetryable)
        {
            DocumentProxyLog.KeyServiceUnavailable(logger, objectId, exception.Kind.ToString(), exception);
            return ProblemResponses.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Key service unavailable",
                "The HSM, the key or the audit log cannot be reached now, so nothing was stored or decrypted. Retry later.",
                retryAfterSeconds: retryAfterSeconds, correlationId: context.TraceIdentifier);
        }

        DocumentProxyLog.KeyUseRefused(logger, objectId, exception.Kind.ToString(), exception);
        (int status, string title, string detail) = exception.Kind switch
        {
            KeyErrorKind.KeyDestroyed => (StatusCodes.Status410Gone, "Key destroyed",
                "The key protecting this document was shredded: the document cannot be recovered."),
            KeyErrorKind.InvalidData => (StatusCodes.Status502BadGateway, "Stored document is invalid",
                "The stored envelope failed authentication; it was not released. The event is in the audit log."),
            KeyErrorKind.AccessDenied => (StatusCodes.Status403Forbidden, "Key use refused",
                "The key service refused this key use."),
            _ => (StatusCodes.Status500InternalServerError, "Key configuration error",
                "The key class or key this document needs is not configured; contact the operators."),
        };
        return ProblemResponses.WriteAsync(context, status, title, detail, correlationId: context.TraceIdentifier);
    }
}
