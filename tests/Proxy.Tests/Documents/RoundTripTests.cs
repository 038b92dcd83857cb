using System.Net;
using System.Text;
using Sovereignty.KeyService.Audit;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

[Collection(GatewayGroup.Name)]
public sealed class RoundTripTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(65537)]
    [InlineData(300_000)]
    [InlineData(3 * 1024 * 1024 + 17)]
    public async Task PutThenGet_InternalDocument_RoundTripsAndIsStoredEncrypted(int size)
    {
        byte[] body = Content(size, seed: size);
        string path = $"/rt/{Guid.NewGuid():N}/doc-{size}.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");

        using HttpResponseMessage put = await client.PutAsync(path, new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // The envelope went upstream while its key event was written; by the answer, the event is in the log.
        Assert.Contains(await gateway.AuditAsync("documents:" + path), e => e.Operation == KeyOperation.WrapDataKey && e.Result == KeyEventResult.Ok);

        // Beyond the 1 MiB inspection window the sample policy says "unscannable" → confidentiel → FR store.
        string storedPath = size > 1024 * 1024 ? gateway.Fr.StoredPath(path) : gateway.Eu.StoredPath(path);
        byte[] stored = await File.ReadAllBytesAsync(storedPath);
        Assert.True(stored.AsSpan().StartsWith("SVEN"u8), "the store must hold an envelope");
        Assert.True(stored.Length > size);

        using HttpResponseMessage get = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(size, get.Content.Headers.ContentLength);
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());

        using var head = new HttpRequestMessage(HttpMethod.Head, path);
        using HttpResponseMessage headResponse = await client.SendAsync(head);
        Assert.Equal(size, headResponse.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.ETag, headResponse.Headers.ETag);
    }

    [Fact]
    public async Task Put_ConcurrentLargeUploadsBeyondTheInspectionSlots_AllRoundTrip()
    {
        // The fixture allows one large inspection at a time: the others wait for the slot, none is lost.
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        string folder = $"/rt/{Guid.NewGuid():N}";
        byte[][] bodies = [.. Enumerable.Range(0, 4).Select(i => Content(1536 * 1024 + i, seed: 40 + i))];
        HttpResponseMessage[] puts = await Task.WhenAll(bodies.Select((body, i) => client.PutAsync($"{folder}/large-{i}.bin", new ByteArrayContent(body))));
        Assert.All(puts, put => Assert.Equal(HttpStatusCode.Created, put.StatusCode));
        for (int i = 0; i < bodies.Length; i++)
        {
            puts[i].Dispose();
            Assert.Equal(bodies[i], await client.GetByteArrayAsync($"{folder}/large-{i}.bin"));
        }
    }

    [Fact]
    public async Task Put_StoreAnswersWithLocation_LocationNamesTheGateway()
    {
        string path = $"/rt/{Guid.NewGuid():N}/located.txt";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        using HttpResponseMessage put = await client.PutAsync(path, new StringContent("hello"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        // nginx answers a created file with its own absolute address.
        Uri location = Assert.IsType<Uri>(put.Headers.Location);
        Assert.Equal(new Uri(gateway.BaseAddress, path), location);
        Assert.DoesNotContain(gateway.Eu.BaseAddress.Authority, put.Headers.Location.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_ChunkedUpload_RoundTrips()
    {
        byte[] body = Content(200_000, seed: 3);
        string path = $"/rt/{Guid.NewGuid():N}/chunked.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using HttpResponseMessage put = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(body, await client.GetByteArrayAsync(path));
    }

    [Fact]
    public async Task Get_WithoutToken_Is401AndStoreUntouched()
    {
        using HttpClient anonymous = gateway.Client(null);
        using HttpResponseMessage put = await anonymous.PutAsync("/rt/anonymous.txt", new StringContent("hello"));
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        Assert.Contains(put.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.False(File.Exists(gateway.Eu.StoredPath("/rt/anonymous.txt")));

        using HttpClient forged = new() { BaseAddress = gateway.BaseAddress };
        forged.DefaultRequestHeaders.Authorization = new("Bearer", GatewayFixture.ForeignToken("mallory"));
        using HttpResponseMessage get = await forged.GetAsync("/rt/anonymous.txt");
        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
    }

    [Fact]
    public async Task Get_Missing_Is404FromStore()
    {
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        using HttpResponseMessage get = await client.GetAsync($"/rt/{Guid.NewGuid():N}/missing.txt");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Get_SameVersionTwice_SameETag_NewVersion_NewETag()
    {
        string path = $"/rt/{Guid.NewGuid():N}/etag.txt";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new StringContent("version one"))).Dispose();
        using HttpResponseMessage first = await client.GetAsync(path);
        using HttpResponseMessage second = await client.GetAsync(path);
        Assert.NotNull(first.Headers.ETag);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);

        await Task.Delay(1100); // nginx ETags are mtime-size
        (await client.PutAsync(path, new StringContent("version two!"))).Dispose();
        using HttpResponseMessage third = await client.GetAsync(path);
        Assert.NotEqual(first.Headers.ETag, third.Headers.ETag);
        Assert.Equal("version two!", Encoding.UTF8.GetString(await third.Content.ReadAsByteArrayAsync()));

        using var conditional = new HttpRequestMessage(HttpMethod.Get, path);
        conditional.Headers.IfNoneMatch.Add(third.Headers.ETag!);
        using HttpResponseMessage notModified = await client.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    internal static byte[] Content(int size, int seed)
    {
        byte[] data = new byte[size];
        new Random(seed).NextBytes(data);
        return data;
    }
}
