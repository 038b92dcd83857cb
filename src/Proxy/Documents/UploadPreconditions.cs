using Microsoft.Net.Http.Headers;

namespace Sovereignty.Proxy.Documents;

/// <summary>What an upload's conditional headers say about the document it would replace.</summary>
internal enum UploadPreconditionOutcome
{
    /// <summary>No condition stops the upload.</summary>
    Proceed,

    /// <summary>If-Match names a version that is not the current one, or If-Unmodified-Since is before it.</summary>
    Changed,

    /// <summary>If-Match asks for an existing document, and there is none.</summary>
    Missing,

    /// <summary>If-None-Match: a document exists (<c>*</c>) or the current one is a version it names.</summary>
    Exists,
}

/// <summary>
/// RFC 9110 §13.2.2 for PUT and POST, evaluated by the gateway: clients know the ETags GET gave
/// them (the plaintext's <c>"sv1-…"</c> for an envelope, the store's for a clear object), a
/// store knows only its own, and a route's document may be in any of its stores. Order:
/// <c>If-Match</c>, else <c>If-Unmodified-Since</c>; then <c>If-None-Match</c>. A failed
/// condition is a 412 for an upload (never 304); <c>If-Modified-Since</c> does not apply.
/// </summary>
internal static class UploadPreconditions
{
    /// <summary>True when the request carries a condition the gateway must check before storing.</summary>
    public static bool IsConditional(IHeaderDictionary headers) =>
        !string.IsNullOrEmpty(headers.IfMatch)
        || !string.IsNullOrEmpty(headers.IfNoneMatch)
        || !string.IsNullOrEmpty(headers.IfUnmodifiedSince);

    /// <param name="headers">The request's headers.</param>
    /// <param name="exists">Whether a store of the route holds the path.</param>
    /// <param name="etag">The current version's ETag as GET gives it (null when none).</param>
    /// <param name="lastModified">The current version's date (null when unknown).</param>
    public static UploadPreconditionOutcome Evaluate(IHeaderDictionary headers, bool exists, string? etag, DateTimeOffset? lastModified)
    {
        string? ifMatch = headers.IfMatch;
        if (!string.IsNullOrEmpty(ifMatch))
        {
            if (!exists)
            {
                return UploadPreconditionOutcome.Missing;
            }

            // "*" holds for any existing document, even one whose store gave no ETag (§13.1.1).
            if (!IsAny(ifMatch) && !EntityTags.Matches(ifMatch, etag, weakComparison: false))
            {
                return UploadPreconditionOutcome.Changed;
            }
        }
        else if (exists && HeaderUtilities.TryParseDate(headers.IfUnmodifiedSince.ToString(), out DateTimeOffset unmodifiedSince)
            && lastModified is { } modified && Seconds(modified) > Seconds(unmodifiedSince))
        {
            // Without a date for the document, or with an invalid date, the header is ignored (§13.1.4).
            return UploadPreconditionOutcome.Changed;
        }

        string? ifNoneMatch = headers.IfNoneMatch;
        if (exists && !string.IsNullOrEmpty(ifNoneMatch)
            && (IsAny(ifNoneMatch) || EntityTags.Matches(ifNoneMatch, etag, weakComparison: true)))
        {
            return UploadPreconditionOutcome.Exists;
        }

        return UploadPreconditionOutcome.Proceed;
    }

    private static bool IsAny(string header) => header.Trim() == "*";

    // HTTP dates have one-second resolution; the store's Last-Modified may not.
    private static long Seconds(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
