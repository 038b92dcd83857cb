using System.IO.Compression;
using System.Net;
using System.Text;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// Bodies the policy cannot read never reach a store: compressed uploads, methods other than
/// the WebDAV ones (PATCH …) and bodies on methods that take none are refused by the gateway,
/// and what was stored before is untouched.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class UnclassifiedBodyTests(GatewayFixture gateway)
{
    // A valid NIR: the sample policy's personal-data rule keeps it out of clear storage.
    private const string Nir = "1 84 12 76 451 089 46";

    [Theory]
    [InlineData("br")]
    [InlineData("deflate")]
    [InlineData("gzip")]
    [InlineData("identity, br")]
    public async Task Put_ContentCoded_Is415AskingForIdentity_AndNothingStored(string coding)
    {
        // Declared public, so the policy would pass it in clear if it could not see the NIR.
        string path = $"/coded/{Guid.NewGuid():N}/fiche.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(Compress($"TRÈS SECRET. Client NIR {Nir}.")) };
        request.Content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
        request.Headers.Add("X-Sovereignty-Label", "Public");

        using HttpResponseMessage response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("identity", Assert.Single(response.Headers.GetValues("Accept-Encoding")));
        Assert.Contains("without a content coding", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.False(File.Exists(gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Put_IdentityCoding_IsAnOrdinaryUpload()
    {
        string path = $"/coded/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("Compte rendu.") };
        request.Content.Headers.ContentEncoding.Add("identity");

        (await alice.SendAsync(request)).EnsureSuccessStatusCode();

        Assert.Equal("Compte rendu.", await alice.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_WithContentRange_Is400_AndTheDocumentIsUnchanged()
    {
        string path = $"/methods/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(path, new StringContent("Version 1."))).EnsureSuccessStatusCode();

        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent($"NIR {Nir}") };
        request.Content.Headers.ContentRange = new System.Net.Http.Headers.ContentRangeHeaderValue(3, 3 + 3 + Nir.Length, 100);
        using HttpResponseMessage response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("classified whole", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("Version 1.", await alice.GetStringAsync(path));
    }

    [Theory]
    [InlineData("PATCH")]
    [InlineData("REPORT")]
    [InlineData("SEARCH")]
    public async Task OtherMethod_Is405ListingTheForwardedMethods_AndTheDocumentIsUnchanged(string method)
    {
        (string path, HttpClient alice, HttpResponseMessage response) = await SendNirOverVersionOneAsync(method);
        using var client = alice;
        using var answer = response;

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("PROPFIND", response.Content.Headers.Allow);
        Assert.DoesNotContain(method, response.Content.Headers.Allow);
        Assert.Equal("Version 1.", await alice.GetStringAsync(path));
        Assert.DoesNotContain(gateway.StoredFiles(), file => File.ReadAllText(file).Contains(Nir, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("MKCOL")]
    [InlineData("OPTIONS")]
    public async Task BodyOnAMethodThatTakesNone_Is415_AndNothingChanges(string method)
    {
        (string path, HttpClient alice, HttpResponseMessage response) = await SendNirOverVersionOneAsync(method);
        using var client = alice;
        using var answer = response;

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Version 1.", await alice.GetStringAsync(path));
    }

    [Fact]
    public async Task Delete_WithoutBody_StillDeletes()
    {
        string path = $"/methods/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(path, new StringContent("Version 1."))).EnsureSuccessStatusCode();

        (await alice.DeleteAsync(path)).EnsureSuccessStatusCode();

        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(path)).StatusCode);
    }

    /// <summary>Stores "Version 1." at a fresh path, then sends <paramref name="method"/> there with a NIR in its body.</summary>
    private async Task<(string Path, HttpClient Alice, HttpResponseMessage Response)> SendNirOverVersionOneAsync(string method)
    {
        string path = $"/methods/{Guid.NewGuid():N}/note.txt";
        HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(path, new StringContent("Version 1."))).EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent($"Client NIR {Nir}.") };
        return (path, alice, await alice.SendAsync(request));
    }

    private static byte[] Compress(string text)
    {
        using var buffer = new MemoryStream();
        using (var brotli = new BrotliStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            brotli.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }
}
