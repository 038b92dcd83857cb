using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Identity;

/// <summary>
/// Tokens checked against keys fetched from the identity provider's JWKS endpoint: a local
/// Kestrel server on port 0 plays the identity provider.
/// </summary>
public sealed class JwksTests : IAsyncLifetime
{
    private readonly WebApplication _identityProvider;
    private readonly Uri _jwksUrl;
    private GatewayFixture _gateway = null!;
    private int _jwksRequests;

    public JwksTests()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _identityProvider = builder.Build();
        _identityProvider.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref _jwksRequests);
            return Results.Text(_gateway.JwksJson, "application/json");
        });
        _identityProvider.StartAsync().GetAwaiter().GetResult();
        string address = _identityProvider.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _jwksUrl = new Uri(address + "/.well-known/jwks.json");
    }

    public Task InitializeAsync()
    {
        _gateway = new GatewayFixture(new Dictionary<string, string?>
        {
            ["Sovereignty:Identity:JwksUrl"] = _jwksUrl.ToString(),
            ["Sovereignty:Identity:RequireHttpsMetadata"] = "false",
        });
        return _gateway.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _identityProvider.DisposeAsync();
    }

    [Fact]
    public async Task Put_TokenSignedByJwksKey_IsAcceptedAfterFetchingJwks()
    {
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");

        using HttpResponseMessage put = await client.PutAsync("/jwks/doc.txt", new StringContent("note interne"));

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.True(Volatile.Read(ref _jwksRequests) >= 1, "the gateway must have fetched the JWKS");
        Assert.Equal("note interne", await client.GetStringAsync("/jwks/doc.txt"));
    }

    [Fact]
    public async Task Get_TokenSignedByKeyNotInJwks_Is401()
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", GatewayFixture.ForeignToken("mallory"));

        using HttpResponseMessage get = await client.GetAsync("/jwks/doc.txt");

        Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
    }
}
