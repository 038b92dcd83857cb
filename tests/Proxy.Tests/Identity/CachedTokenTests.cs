using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Sovereignty.Proxy.Identity;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Identity;

/// <summary>Validated bearer tokens are re-accepted from <see cref="ValidatedTokenCache"/>; nothing else is.</summary>
[Collection(GatewayGroup.Name)]
public sealed class CachedTokenTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Get_SameTokenTwice_SecondIsServedFromTheCacheAsTheSameCaller()
    {
        string token = gateway.Token("cache-alice", "collaborateurs-groupe");
        string path = $"/cache/{Guid.NewGuid():N}/note.txt";
        using HttpClient client = WithToken(token);
        var cache = gateway.App.Services.GetRequiredService<ValidatedTokenCache>();

        using HttpResponseMessage put = await client.PutAsync(path, new StringContent("note interne"));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.True(cache.TryGet(token, out _), "a validated token must be cached");

        Assert.Equal("note interne", await client.GetStringAsync(path));
        using HttpClient stranger = WithToken(gateway.Token("cache-bob", "prestataires"));
        using HttpResponseMessage refused = await stranger.GetAsync(path);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    public async Task Get_CachedTokenWithOneCharacterChanged_Is401(int where)
    {
        string token = gateway.Token("cache-carol", "collaborateurs-groupe");
        using HttpClient valid = WithToken(token);
        using HttpResponseMessage first = await valid.GetAsync($"/cache/{Guid.NewGuid():N}/missing.txt");
        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);

        // One character of the signature (last) or of the header (first) changed.
        int index = where > 0 ? token.Length - 2 : 1;
        char[] altered = token.ToCharArray();
        altered[index] = altered[index] == 'A' ? 'B' : 'A';
        using HttpClient forged = WithToken(new string(altered));
        using HttpResponseMessage second = await forged.GetAsync($"/cache/{Guid.NewGuid():N}/missing.txt");
        Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
    }

    private HttpClient WithToken(string token)
    {
        var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
