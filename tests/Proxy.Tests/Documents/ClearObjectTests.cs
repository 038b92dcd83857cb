using System.Net;
using System.Text;
using Sovereignty.KeyService.Audit;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// Objects the policy lets through in clear, whose first bytes look like the envelope magic
/// <c>SVEN</c>: they are ordinary data, served unchanged, and never raise a tamper alarm;
/// a real envelope cut inside its header still does.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class ClearObjectTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("S")]
    [InlineData("SVE")]
    [InlineData("SVEN")]
    [InlineData("SVEN Larsson, CV")]
    public async Task Get_ClearObjectStartingLikeTheMagic_IsServedUnchangedWithoutTamperEvent(string text)
    {
        byte[] body = Encoding.ASCII.GetBytes(text);
        string path = $"/clear/{Guid.NewGuid():N}/cv.txt";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        using var put = new HttpRequestMessage(HttpMethod.Put, path) { Content = new ByteArrayContent(body) };
        put.Headers.Add("X-Sovereignty-Label", "Public");
        using HttpResponseMessage stored = await client.SendAsync(put);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(body, await File.ReadAllBytesAsync(StoredPath(path))); // the policy let it through in clear

        using HttpResponseMessage get = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
        Assert.DoesNotContain(await gateway.AuditAsync("documents:" + path), e => e.ErrorCode == "CiphertextTampered");
    }

    [Fact]
    public async Task Get_EnvelopeCutInsideItsHeader_Is502AndAudited()
    {
        string path = $"/clear/{Guid.NewGuid():N}/cut.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new ByteArrayContent(RoundTripTests.Content(1000, seed: 3)))).EnsureSuccessStatusCode();
        string storedPath = StoredPath(path);
        byte[] envelope = await File.ReadAllBytesAsync(storedPath);
        Assert.True(envelope.AsSpan().StartsWith("SVEN"u8), "the store must hold an envelope");
        await File.WriteAllBytesAsync(storedPath, envelope[..20]); // magic, version, length, part of the salt

        using HttpResponseMessage get = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadGateway, get.StatusCode);
        Assert.Contains(await gateway.AuditAsync("documents:" + path), e => e.Result == KeyEventResult.Error && e.ErrorCode == "CiphertextTampered");
    }

    private string StoredPath(string path)
    {
        string eu = gateway.Eu.StoredPath(path);
        return File.Exists(eu) ? eu : gateway.Fr.StoredPath(path);
    }
}
