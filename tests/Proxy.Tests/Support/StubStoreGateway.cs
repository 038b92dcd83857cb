using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Sovereignty.Proxy.Tests.Support;

/// <summary>
/// A gateway whose EU store is a small Kestrel server answering with <c>handler</c>: for store
/// behaviour nginx does not have (compressed listings, <c>getetag</c> in listings). The French
/// store stays a real nginx. A real HTTP server on loopback, not a mock of the forwarding.
/// </summary>
public sealed class StubStoreGateway : IAsyncDisposable
{
    private readonly WebApplication _store;

    private StubStoreGateway(WebApplication store, GatewayFixture gateway)
    {
        _store = store;
        Gateway = gateway;
    }

    public GatewayFixture Gateway { get; }

    public static async Task<StubStoreGateway> StartAsync(RequestDelegate handler)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication store = builder.Build();
        store.Run(handler);
        await store.StartAsync();
        string address = store.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var gateway = new GatewayFixture(new Dictionary<string, string?>
        {
            [$"ReverseProxy:Clusters:{GatewayFixture.EuStore}:Destinations:nginx:Address"] = address + "/",
        });
        await gateway.InitializeAsync();
        return new StubStoreGateway(store, gateway);
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await _store.StopAsync();
        await _store.DisposeAsync();
    }
}
