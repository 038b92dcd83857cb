using Microsoft.Net.Http.Headers;

namespace Sovereignty.Proxy.Documents;

/// <summary>What a GET or HEAD's conditional headers ask for.</summary>
internal enum PreconditionOutcome
{
    /// <summary>No condition stops the request: answer with the representation (or its range).</summary>
    Proceed,

    /// <summary><c>304 Not Modified</c>: the client's copy is current.</summary>
    NotModified,

    /// <summary><c>412 Precondition Failed</c>: the object is not the version the client named.</summary>
    PreconditionFailed,
}

/// <summary>
/// RFC 9110 §13.2.2 for envelopes, evaluated by the gateway: the client knows the plaintext's
/// ETag (<c>"sv1-…"</c>) and the store knows only the ciphertext's, so the conditions cannot
/// be left to the store (they are not forwarded). Order: <c>If-Match</c>, else
/// <c>If-Unmodified-Since</c>; then <c>If-None-Match</c>, else <c>If-Modified-Since</c>.
/// <c>If-Range</c> is the range handling's.
/// </summary>
internal static class DownloadPreconditions
{
    public static PreconditionOutcome Evaluate(IHeaderDictionary headers, string? etag, DateTimeOffset? lastModified)
    {
        string? ifMatch = headers.IfMatch;
        if (!string.IsNullOrEmpty(ifMatch))
        {
            // The object exists (it was probed), so "*" holds even when the store gave no ETag.
            if (!IsAny(ifMatch) && !EntityTags.Matches(ifMatch, etag, weakComparison: false))
            {
                return PreconditionOutcome.PreconditionFailed;
            }
        }
        else if (TryDate(headers.IfUnmodifiedSince, out DateTimeOffset unmodifiedSince)
            && lastModified is { } modified && Seconds(modified) > Seconds(unmodifiedSince))
        {
            return PreconditionOutcome.PreconditionFailed;
        }

        string? ifNoneMatch = headers.IfNoneMatch;
        if (!string.IsNullOrEmpty(ifNoneMatch))
        {
            return IsAny(ifNoneMatch) || EntityTags.Matches(ifNoneMatch, etag, weakComparison: true)
                ? PreconditionOutcome.NotModified
                : PreconditionOutcome.Proceed;
        }

        return TryDate(headers.IfModifiedSince, out DateTimeOffset modifiedSince)
            && lastModified is { } last && Seconds(last) <= Seconds(modifiedSince)
            ? PreconditionOutcome.NotModified
            : PreconditionOutcome.Proceed;
    }

    private static bool IsAny(string header) => header.Trim() == "*";

    // An invalid date is ignored (RFC 9110 §13.1.3, §13.1.4).
    private static bool TryDate(string? header, out DateTimeOffset date) =>
        HeaderUtilities.TryParseDate(header, out date);

    // HTTP dates have one-second resolution; the store's Last-Modified may not.
    private static long Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
