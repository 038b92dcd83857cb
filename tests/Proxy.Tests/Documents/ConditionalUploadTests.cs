using System.Net;
using System.Net.Http.Headers;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// Conditional PUTs (RFC 9110 §13.1, §13.2.2): the gateway evaluates If-Match, If-None-Match and
/// If-Unmodified-Since against the document as clients read it (the plaintext's ETag for an
/// envelope, the store's for a clear object) across every store of the route. The stores know
/// only ciphertext tags and each holds part of the route, so the conditions cannot be left to
/// them: nginx ignores them and overwrote the document (lost update).
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class ConditionalUploadTests(GatewayFixture gateway)
{
    private static readonly DateTimeOffset LongAgo = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null)]
    [InlineData("Public")]
    public async Task Put_IfNoneMatchAny_NewPathIsStored_ExistingPathIs412AndUnchanged(string? label)
    {
        string path = NewPath();
        using HttpClient client = Client();

        using HttpResponseMessage created = await PutAsync(client, path, "Version 1.", label, r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        using HttpResponseMessage again = await PutAsync(client, path, "Version 2, must not replace version 1.", label,
            r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));
        await AssertPreconditionFailedAsync(again, "already exists");
        Assert.Equal("Version 1.", await client.GetStringAsync(path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Public")]
    public async Task Put_IfMatchTagFromGet_Replaces_ThenThatTagIsStale412AndContentUnchanged(string? label)
    {
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "Version 1.", label)).StatusCode);
        EntityTagHeaderValue read = await ETagAsync(client, path);

        // Another length: nginx's ETag is mtime + size, the same for two versions of one size written in one second.
        using HttpResponseMessage replaced = await PutAsync(client, path, "Version 2, replaced.", label, r => r.Headers.IfMatch.Add(read));
        Assert.True(replaced.IsSuccessStatusCode, $"If-Match with the current ETag answered {replaced.StatusCode}");
        Assert.Equal("Version 2, replaced.", await client.GetStringAsync(path));

        // The tag read before version 2 names a version that is gone: a second writer who read
        // version 1 must not overwrite version 2.
        using HttpResponseMessage stale = await PutAsync(client, path, "Version 2 from a stale read.", label, r => r.Headers.IfMatch.Add(read));
        await AssertPreconditionFailedAsync(stale, "changed since");
        Assert.Equal("Version 2, replaced.", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_IfMatchInventedGatewayTag_Is412AndContentUnchanged()
    {
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "Version 1.", label: null)).StatusCode);

        using HttpResponseMessage stale = await PutAsync(client, path, "Overwrite.", label: null,
            r => r.Headers.IfMatch.Add(new EntityTagHeaderValue("\"sv1-deadbeef-1\"")));

        await AssertPreconditionFailedAsync(stale, "changed since");
        Assert.Equal("Version 1.", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_IfMatchAny_MissingPath_Is412AndNothingStored()
    {
        string path = NewPath();
        using HttpClient client = Client();

        using HttpResponseMessage response = await PutAsync(client, path, "Only if it exists.", label: null,
            r => r.Headers.IfMatch.Add(EntityTagHeaderValue.Any));

        await AssertPreconditionFailedAsync(response, "no document");
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.False(File.Exists(gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Put_IfNoneMatchAny_PathOnlyInTheOtherStore_Is412AndThatCopyKept()
    {
        // The confidential version lives in the French store; an interne upload would go to the EU
        // store, which alone cannot see that the path exists (and the copy in the French store
        // would then be removed as an older copy).
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "Rapport confidentiel.", "Confidentiel")).StatusCode);
        Assert.True(File.Exists(gateway.Fr.StoredPath(path)));

        using HttpResponseMessage response = await PutAsync(client, path, "Compte rendu interne.", label: null,
            r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));

        await AssertPreconditionFailedAsync(response, "already exists");
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.Equal("Rapport confidentiel.", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_IfNoneMatchAny_EmptyClearDocumentExists_Is412()
    {
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "", "Public")).StatusCode);

        using HttpResponseMessage response = await PutAsync(client, path, "Not empty.", "Public", r => r.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any));

        await AssertPreconditionFailedAsync(response, "already exists");
        Assert.Equal("", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_IfNoneMatchCurrentTag_Is412_AnotherTagStores()
    {
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "Version 1.", label: null)).StatusCode);
        EntityTagHeaderValue current = await ETagAsync(client, path);

        using HttpResponseMessage matching = await PutAsync(client, path, "Version 2.", label: null, r => r.Headers.IfNoneMatch.Add(current));
        await AssertPreconditionFailedAsync(matching, "already exists");
        Assert.Equal("Version 1.", await client.GetStringAsync(path));

        using HttpResponseMessage other = await PutAsync(client, path, "Version 2.", label: null,
            r => r.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"sv1-other\"")));
        Assert.True(other.IsSuccessStatusCode, $"If-None-Match with another tag answered {other.StatusCode}");
        Assert.Equal("Version 2.", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_IfUnmodifiedSinceBeforeTheVersion_Is412_AfterItStores()
    {
        string path = NewPath();
        using HttpClient client = Client();
        Assert.Equal(HttpStatusCode.Created, (await PutAsync(client, path, "Version 1.", label: null)).StatusCode);
        using HttpResponseMessage head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
        DateTimeOffset lastModified = head.Content.Headers.LastModified!.Value;

        using HttpResponseMessage changed = await PutAsync(client, path, "Version 2.", label: null, r => r.Headers.IfUnmodifiedSince = LongAgo);
        await AssertPreconditionFailedAsync(changed, "changed since");
        Assert.Equal("Version 1.", await client.GetStringAsync(path));

        using HttpResponseMessage unchanged = await PutAsync(client, path, "Version 2.", label: null,
            r => r.Headers.IfUnmodifiedSince = lastModified.AddMinutes(1));
        Assert.True(unchanged.IsSuccessStatusCode, $"If-Unmodified-Since after the version answered {unchanged.StatusCode}");
        Assert.Equal("Version 2.", await client.GetStringAsync(path));
    }

    internal static async Task<HttpResponseMessage> PutAsync(
        HttpClient client, string path, string text, string? label, Action<HttpRequestMessage>? conditions = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(text) };
        if (label is not null)
        {
            request.Headers.Add("X-Sovereignty-Label", label);
        }

        conditions?.Invoke(request);
        return await client.SendAsync(request);
    }

    private static async Task<EntityTagHeaderValue> ETagAsync(HttpClient client, string path)
    {
        using HttpResponseMessage get = await client.GetAsync(path);
        get.EnsureSuccessStatusCode();
        return get.Headers.ETag ?? throw new InvalidOperationException("GET gave no ETag.");
    }

    private static async Task AssertPreconditionFailedAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(detail, await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    private HttpClient Client() => gateway.Client("alice", "collaborateurs-groupe");

    private static string NewPath() => $"/conditional-put/{Guid.NewGuid():N}/note.txt";
}
