using System.Diagnostics.CodeAnalysis;
using Sovereignty.Proxy.Identity;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// WebDAV MOVE and COPY rename objects inside the store: the content does not pass through
/// the gateway, so it is not classified again and keeps the label, readers and store it got
/// where it was written. That is only right where the policy treats both paths alike. A rule on
/// the destination's path or file name (an HR space readable by HR only, a file name that
/// must stay out of the cloud) would otherwise be bypassed by moving a document there instead
/// of uploading it. So a move or copy goes through only when the decision from path and file
/// name alone is the same at both ends; otherwise the client is told to download the document
/// and upload it at its new place, where it is classified.
/// </summary>
internal sealed class RelocationCheck(IDocumentPolicy policy, ILogger<RelocationCheck> logger)
{
    /// <summary>False when the request was answered here (403 problem, or 400 for a missing or invalid <c>Destination</c>).</summary>
    public async Task<bool> AllowsAsync(HttpContext context, CallerIdentity caller)
    {
        HttpRequest request = context.Request;
        string source = request.Path.Value ?? "/";
        if (!TryGetDestinationPath(request, out string? destination))
        {
            await ProblemResponses.WriteAsync(context, StatusCodes.Status400BadRequest, "Destination missing or invalid",
                $"{request.Method} needs a Destination header with the new URL of the document: an http(s) URL or a path, without '.' or '..' segments.",
                correlationId: context.TraceIdentifier);
            return false;
        }

        UploadDecision here = policy.DecideByPath(source, caller);
        UploadDecision there = policy.DecideByPath(destination, caller);
        if (SameTreatment(here, there))
        {
            return true;
        }

        DocumentProxyLog.RelocationRefused(logger, source, destination, caller.Subject, here.Rule, there.Rule);
        string reason = there.Action == UploadAction.Block
            ? there.Reason ?? $"Rule '{there.Rule}' does not allow documents at {destination}."
            : $"At {destination} the policy treats documents as '{there.Label}' (rule '{there.Rule}'), not as at {source} ('{here.Label}', rule '{here.Rule}'). "
              + "A move or copy would keep the protection it has now. Download the document and upload it at its new place, so that it is classified there.";
        await ProblemResponses.WriteAsync(context, StatusCodes.Status403Forbidden, "Move or copy refused by policy", reason,
            there.Rule, correlationId: context.TraceIdentifier);
        return false;
    }

    private static bool SameTreatment(UploadDecision a, UploadDecision b) =>
        a.Action == b.Action
        && a.Action != UploadAction.Block
        && string.Equals(a.Label, b.Label, StringComparison.Ordinal)
        && string.Equals(a.KeyClass, b.KeyClass, StringComparison.Ordinal)
        && SameSet(a.AllowedStores, b.AllowedStores)
        && SameSet(a.ReaderGroups, b.ReaderGroups)
        && SameSet(a.ReaderSubjects, b.ReaderSubjects);

    private static bool SameSet(IReadOnlyList<string> a, IReadOnlyList<string> b) =>
        a.ToHashSet(StringComparer.Ordinal).SetEquals(b);

    /// <summary>
    /// The Destination's path, decoded as request paths are (RFC 4918 §10.3: an absolute URI, or
    /// a path). Dot segments are resolved, and a path that still has one once decoded
    /// (<c>%2e%2e</c>) is refused: the store would resolve it to a path the policy did not see.
    /// The request's Destination is rewritten to the path checked, so the store gets that one.
    /// </summary>
    public static bool TryGetDestinationPath(HttpRequest request, [NotNullWhen(true)] out string? path)
    {
        path = null;
        string? header = request.Headers["Destination"].FirstOrDefault();
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        // Not Uri.TryCreate(header, Absolute) for a path: on Unix it reads "/a/b" as a file URI.
        var self = new Uri($"{request.Scheme}://{(request.Host.HasValue ? request.Host.Value : "localhost")}/");
        Uri? resolved = header.StartsWith('/') && !header.StartsWith("//", StringComparison.Ordinal)
            ? new Uri(self, header)
            : Uri.TryCreate(header, UriKind.Absolute, out Uri? absolute) && absolute.Scheme is "http" or "https" ? absolute : null;
        if (resolved is null)
        {
            return false;
        }

        string decoded = PathString.FromUriComponent(resolved.AbsolutePath).Value ?? "/";
        if (decoded.Split('/').Any(segment => segment is "." or ".."))
        {
            return false;
        }

        request.Headers["Destination"] = resolved.GetLeftPart(UriPartial.Path);
        path = decoded;
        return true;
    }
}
