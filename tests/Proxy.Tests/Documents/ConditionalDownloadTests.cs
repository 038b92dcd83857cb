using System.Net;
using System.Net.Http.Headers;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// Conditional GETs of encrypted documents (RFC 9110 §13), against the plaintext's ETag and the
/// stored version's date: small objects (answered from the probe) and large ones (fetched
/// segment by segment) alike.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class ConditionalDownloadTests(GatewayFixture gateway)
{
    private static readonly DateTimeOffset LongAgo = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public async Task IfMatch_StaleTag_Is412_CurrentTagOrAny_ServesThePlaintext(int size)
    {
        (HttpClient client, string path, byte[] content, EntityTagHeaderValue etag, _) = await UploadAsync(size);
        using (client)
        {
            using HttpResponseMessage stale = await SendAsync(client, path, r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"sv1-stale\"")));
            Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
            Assert.Empty(await stale.Content.ReadAsByteArrayAsync());

            using HttpResponseMessage current = await SendAsync(client, path, r => r.Headers.IfMatch.Add(etag));
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);
            Assert.Equal(content, await current.Content.ReadAsByteArrayAsync());

            using HttpResponseMessage any = await SendAsync(client, path, r => r.Headers.IfMatch.Add(EntityTagHeaderValue.Any));
            Assert.Equal(content, await any.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public async Task IfUnmodifiedSince_BeforeTheVersion_Is412WithoutRetryAfter_AfterItServes(int size)
    {
        (HttpClient client, string path, byte[] content, _, DateTimeOffset lastModified) = await UploadAsync(size);
        using (client)
        {
            using HttpResponseMessage changed = await SendAsync(client, path, r => r.Headers.IfUnmodifiedSince = LongAgo);
            Assert.Equal(HttpStatusCode.PreconditionFailed, changed.StatusCode);
            Assert.Null(changed.Headers.RetryAfter);

            using HttpResponseMessage unchanged = await SendAsync(client, path, r => r.Headers.IfUnmodifiedSince = lastModified.AddMinutes(1));
            Assert.Equal(content, await unchanged.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public async Task IfModifiedSince_TheVersionsDate_Is304_AnOlderDateServes(int size)
    {
        (HttpClient client, string path, byte[] content, EntityTagHeaderValue etag, DateTimeOffset lastModified) = await UploadAsync(size);
        using (client)
        {
            using HttpResponseMessage notModified = await SendAsync(client, path, r => r.Headers.IfModifiedSince = lastModified);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal(etag, notModified.Headers.ETag);

            using HttpResponseMessage older = await SendAsync(client, path, r => r.Headers.IfModifiedSince = LongAgo);
            Assert.Equal(content, await older.Content.ReadAsByteArrayAsync());

            // If-None-Match decides when both are sent: a tag the client no longer has means "send it".
            using HttpResponseMessage both = await SendAsync(client, path, r =>
            {
                r.Headers.IfModifiedSince = lastModified;
                r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"sv1-older\""));
            });
            Assert.Equal(content, await both.Content.ReadAsByteArrayAsync());
        }
    }

    [Theory]
    [InlineData(1_000)]
    [InlineData(200_000)]
    public async Task IfNoneMatch_TagOfAnOlderVersionOfSameSizeAndSecond_ServesTheNewVersion(int size)
    {
        // Regression: the store's ETag (nginx: mtime-size) is the same for two versions of one size
        // written in the same second, and the plaintext ETag was derived from it alone, so a
        // client's cache answered 304 and kept the older version.
        string path = $"/conditional/{Guid.NewGuid():N}.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        for (var attempt = 0; ; attempt++)
        {
            (EntityTagHeaderValue first, DateTimeOffset firstModified) = await PutAndHeadAsync(client, path, Content(size, 1));
            byte[] second = Content(size, 2);
            (EntityTagHeaderValue latest, DateTimeOffset latestModified) = await PutAndHeadAsync(client, path, second);
            if (firstModified != latestModified && attempt < 10)
            {
                continue; // A second boundary fell between the uploads: the case needs both in one second.
            }

            Assert.Equal(firstModified, latestModified);
            Assert.NotEqual(first, latest);
            using HttpResponseMessage response = await SendAsync(client, path, r => r.Headers.IfNoneMatch.Add(first));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(latest, response.Headers.ETag);
            Assert.Equal(second, await response.Content.ReadAsByteArrayAsync());
            return;
        }
    }

    private static byte[] Content(int size, int version)
    {
        byte[] content = new byte[size];
        new Random(size * 10 + version).NextBytes(content);
        return content;
    }

    private static async Task<(EntityTagHeaderValue ETag, DateTimeOffset LastModified)> PutAndHeadAsync(HttpClient client, string path, byte[] content)
    {
        (await client.PutAsync(path, new ByteArrayContent(content))).EnsureSuccessStatusCode();
        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        head.EnsureSuccessStatusCode();
        return (head.Headers.ETag!, head.Content.Headers.LastModified!.Value);
    }

    private async Task<(HttpClient Client, string Path, byte[] Content, EntityTagHeaderValue ETag, DateTimeOffset LastModified)> UploadAsync(int size)
    {
        string path = $"/conditional/{Guid.NewGuid():N}.bin";
        byte[] content = new byte[size];
        new Random(size).NextBytes(content);
        HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new ByteArrayContent(content))).EnsureSuccessStatusCode();
        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        head.EnsureSuccessStatusCode();
        Assert.StartsWith("\"sv1-", head.Headers.ETag!.Tag, StringComparison.Ordinal);
        return (client, path, content, head.Headers.ETag, head.Content.Headers.LastModified!.Value);
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, Action<HttpRequestMessage> conditions)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        conditions(request);
        return await client.SendAsync(request);
    }
}
