using System.Net.Http.Headers;
using Yarp.ReverseProxy.Model;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// Requests the proxy makes to a store on its own (header probes, existence checks), through
/// the store's YARP HTTP client. Document routes forward paths unchanged, so the client's
/// path is the store's path.
/// </summary>
internal static class UpstreamClient
{
    /// <summary>The first <paramref name="bytes"/> bytes of the object at <paramref name="path"/>.</summary>
    public static async Task<UpstreamProbeResult> ProbeAsync(
        ClusterState store, PathString path, int bytes, CancellationToken cancellationToken)
    {
        DestinationState destination = store.DestinationsState.AvailableDestinations[0];
        using var request = new HttpRequestMessage(HttpMethod.Get, Combine(destination, path));
        request.Headers.Range = new RangeHeaderValue(0, bytes - 1);
        using HttpResponseMessage response = await store.Model.HttpClient.SendAsync(request, cancellationToken);
        if (response.StatusCode is not (System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.PartialContent))
        {
            return new UpstreamProbeResult((int)response.StatusCode, ReadOnlyMemory<byte>.Empty, null, null, null, null, response.Headers.Date);
        }

        byte[] data = await ReadUpToAsync(response.Content, bytes, cancellationToken);
        long? total = response.StatusCode == System.Net.HttpStatusCode.PartialContent
            ? response.Content.Headers.ContentRange?.Length
            : response.Content.Headers.ContentLength ?? data.Length;
        return new UpstreamProbeResult(
            (int)response.StatusCode,
            data,
            total,
            response.Headers.ETag?.ToString(),
            response.Content.Headers.ContentType?.ToString(),
            response.Content.Headers.LastModified,
            response.Headers.Date);
    }

    /// <summary>The absolute upstream URI of <paramref name="path"/> on <paramref name="destination"/>.</summary>
    public static Uri Combine(DestinationState destination, PathString path)
    {
        string address = destination.Model.Config.Address.TrimEnd('/');
        return new Uri(address + path.ToUriComponent(), UriKind.Absolute);
    }

    private static async Task<byte[]> ReadUpToAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[limit];
        int length = 0;
        while (length < limit)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return length == limit ? buffer : buffer[..length];
    }
}

/// <summary>What a header probe found.</summary>
/// <param name="StatusCode">The store's status (200/206 when the object exists).</param>
/// <param name="Prefix">The first bytes of the object.</param>
/// <param name="TotalLength">The stored (ciphertext) length.</param>
/// <param name="ETag">The store's ETag of this version.</param>
/// <param name="ContentType">The store's media type.</param>
/// <param name="LastModified">The store's modification time.</param>
/// <param name="Date">The store's clock when it answered (HTTP <c>Date</c>).</param>
internal sealed record UpstreamProbeResult(
    int StatusCode,
    ReadOnlyMemory<byte> Prefix,
    long? TotalLength,
    string? ETag,
    string? ContentType,
    DateTimeOffset? LastModified,
    DateTimeOffset? Date)
{
    public bool Exists => StatusCode is 200 or 206;

    /// <summary>True when <see cref="Prefix"/> is the whole object.</summary>
    public bool IsWholeObject => TotalLength is long total && total == Prefix.Length;
}
