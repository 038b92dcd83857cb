using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// The HTTP methods the document proxy forwards, and which of them may carry a body. Only an
/// upload's body is classified and encrypted; the other bodies that go through are the XML a
/// WebDAV client needs (PROPFIND, PROPPATCH, LOCK). Any other method (PATCH, which would store
/// a partial update unclassified; REPORT, SEARCH, ACL …), or a body on a method that takes
/// none, would reach the store unread and in clear, so it is refused before anything is sent.
/// </summary>
internal static class DocumentMethods
{
    /// <summary>The methods forwarded, as an <c>Allow</c> header lists them.</summary>
    public const string Allowed = "OPTIONS, GET, HEAD, PUT, POST, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE, LOCK, UNLOCK";

    private static readonly HashSet<string> WithoutBody = new(StringComparer.OrdinalIgnoreCase)
    {
        HttpMethods.Options, HttpMethods.Get, HttpMethods.Head, HttpMethods.Delete, "MKCOL", "COPY", "MOVE", "UNLOCK",
    };

    private static readonly HashSet<string> WithBody = new(StringComparer.OrdinalIgnoreCase)
    {
        HttpMethods.Put, HttpMethods.Post, "PROPFIND", "PROPPATCH", "LOCK",
    };

    /// <summary>Answers 405, 400 or 415 and returns true when the request must not be forwarded.</summary>
    public static async Task<bool> RefuseAsync(HttpContext context)
    {
        string method = context.Request.Method;
        if (!WithBody.Contains(method) && !WithoutBody.Contains(method))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not supported",
                $"{method} is not forwarded to the document store: its content would not be classified. Upload the whole document with PUT instead.",
                correlationId: context.TraceIdentifier, headers: new Dictionary<string, string> { [HeaderNames.Allow] = Allowed });
            return true;
        }

        if ((HttpMethods.IsPut(method) || HttpMethods.IsPost(method)) && context.Request.Headers.ContainsKey(HeaderNames.ContentRange))
        {
            // A partial PUT writes a fragment into an existing object (Apache mod_dav does): the
            // fragment would be classified alone and land inside a document classified whole.
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "Partial upload not accepted",
                "Uploads with Content-Range are not accepted: a document is classified whole. Upload the whole document.",
                correlationId: context.TraceIdentifier);
            return true;
        }

        if (WithoutBody.Contains(method) && HasBody(context.Request))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Request body not accepted",
                $"A {method} request is forwarded without a body here: its content would not be classified. Send it without one.",
                correlationId: context.TraceIdentifier);
            return true;
        }

        return false;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0
        || (request.ContentLength is null && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true);
}
