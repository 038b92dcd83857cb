using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// YARP transforms on every document route: the upstream length of an encrypted upload,
/// the ciphertext range of a decrypting download, WebDAV <c>Destination</c> and store
/// <c>Location</c> rewriting, the decrypting response bodies, and the removal
/// of older copies once an upload is stored.
/// </summary>
/// <remarks>
/// YARP builds transforms while it builds its configuration state, and the handlers depend on
/// that state (the store lookup): the handlers are taken from the request's services when a
/// response arrives, not injected here, which would make a dependency cycle.
/// </remarks>
internal sealed class DocumentTransformProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        context.AddRequestTransform(ApplyRequestAsync);
        context.AddResponseTransform(ApplyResponseAsync);
    }

    private static ValueTask ApplyRequestAsync(RequestTransformContext context)
    {
        HttpContext http = context.HttpContext;
        if (http.Features.Get<UploadBodyFeature>() is { } upload && context.ProxyRequest.Content is { } content)
        {
            // The body became an envelope: its length is the ciphertext length (or unknown → chunked).
            content.Headers.ContentLength = upload.CiphertextLength;
            content.Headers.Remove(HeaderNames.ContentMD5);
        }

        if (HttpMethods.IsPut(http.Request.Method) || HttpMethods.IsPost(http.Request.Method))
        {
            // The gateway checked the upload's conditions against the document as clients read it
            // (UploadConditions); a store knows only its own ciphertext's tags and its own copies.
            HttpRequestMessage request = context.ProxyRequest;
            request.Headers.Remove(HeaderNames.IfMatch);
            request.Headers.Remove(HeaderNames.IfNoneMatch);
            request.Headers.Remove(HeaderNames.IfUnmodifiedSince);
        }

        if (http.Features.Get<DownloadPlanFeature>() is { } plan)
        {
            HttpRequestMessage request = context.ProxyRequest;
            request.Headers.Remove(HeaderNames.Range);
            request.Headers.Remove(HeaderNames.IfRange);
            request.Headers.Remove(HeaderNames.IfNoneMatch);
            request.Headers.Remove(HeaderNames.IfModifiedSince);
            // The gateway evaluated the client's conditions against the plaintext's ETag; the
            // store's only condition is the one below.
            request.Headers.Remove(HeaderNames.IfMatch);
            request.Headers.Remove(HeaderNames.IfUnmodifiedSince);
            request.Headers.Remove(HeaderNames.AcceptEncoding);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(plan.CiphertextFirst, plan.CiphertextLast);
            if (plan.UpstreamETag.Length > 0)
            {
                // The object must still be the version whose header was probed.
                request.Headers.TryAddWithoutValidation(HeaderNames.IfMatch, plan.UpstreamETag);
            }
        }

        if ((HttpMethods.Equals(http.Request.Method, "MOVE") || HttpMethods.Equals(http.Request.Method, "COPY"))
            && http.Request.Headers["Destination"].FirstOrDefault() is { } destination
            && Uri.TryCreate(destination, UriKind.Absolute, out Uri? destinationUri)
            && Uri.TryCreate(context.DestinationPrefix, UriKind.Absolute, out Uri? upstream))
        {
            // WebDAV servers accept a Destination on their own host only.
            context.ProxyRequest.Headers.Remove("Destination");
            context.ProxyRequest.Headers.TryAddWithoutValidation("Destination",
                new UriBuilder(destinationUri) { Scheme = upstream.Scheme, Host = upstream.Host, Port = upstream.Port }.Uri.AbsoluteUri);
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask ApplyResponseAsync(ResponseTransformContext context)
    {
        HttpContext http = context.HttpContext;
        RewriteLocation(http, context.ProxyResponse?.RequestMessage?.RequestUri);
        if (http.Features.Get<DownloadPlanFeature>() is { } plan)
        {
            await http.RequestServices.GetRequiredService<DocumentDownloadHandler>().CompleteForwardedAsync(context, plan);
            return;
        }

        if (http.Features.Get<RelocationFeature>() is { } relocation)
        {
            await http.RequestServices.GetRequiredService<RelocationCleanup>().CompleteForwardedAsync(context, relocation);
            return;
        }

        if (http.Features.Get<UploadStoreFeature>() is { } stored)
        {
            await http.RequestServices.GetRequiredService<DocumentUploadHandler>().CompleteStoredAsync(context, stored);
        }
    }

    /// <summary>
    /// A store's absolute <c>Location</c> (nginx answers a WebDAV PUT or MKCOL with one) names the
    /// store's own address: clients get the gateway's instead (paths are forwarded unchanged), so
    /// they keep talking to the gateway and the store's address is not disclosed.
    /// </summary>
    private static void RewriteLocation(HttpContext http, Uri? upstream)
    {
        string? location = http.Response.Headers.Location.FirstOrDefault();
        if (upstream is null || location is null
            || !Uri.TryCreate(location, UriKind.Absolute, out Uri? target)
            || !string.Equals(target.GetLeftPart(UriPartial.Authority), upstream.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        HttpRequest request = http.Request;
        http.Response.Headers.Location = $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}{target.PathAndQuery}{target.Fragment}";
    }
}

/// <summary>Lets YARP forward a body even when the client declared none (an empty upload still becomes an envelope).</summary>
internal sealed class ForcedRequestBodyDetection : IHttpRequestBodyDetectionFeature
{
    public static ForcedRequestBodyDetection Instance { get; } = new();

    public bool CanHaveBody => true;
}
