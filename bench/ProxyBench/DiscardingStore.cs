using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Sovereignty.Proxy.Hosting;

namespace Sovereignty.Bench.Proxy;

/// <summary>
/// An upstream that reads every upload to the end and throws it away (201), so 8 × 2 GiB
/// uploads need no disk. OPTIONS answers 200 (the gateway's store reachability check).
/// </summary>
internal sealed class DiscardingStore : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly StrongBox<long> _bytes;

    private DiscardingStore(WebApplication app, Uri address, StrongBox<long> bytes)
    {
        _app = app;
        BaseAddress = address;
        _bytes = bytes;
    }

    public Uri BaseAddress { get; }

    public long BytesDiscarded => Interlocked.Read(ref _bytes.Value);

    public static async Task<DiscardingStore> StartAsync()
    {
        var bytes = new StrongBox<long>();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(ServeHost.BuilderOptions([]));
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        WebApplication app = builder.Build();
        app.Run(async context =>
        {
            if (HttpMethods.IsPut(context.Request.Method) || HttpMethods.IsPost(context.Request.Method))
            {
                byte[] buffer = new byte[128 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    Interlocked.Add(ref bytes.Value, read);
                }

                context.Response.StatusCode = StatusCodes.Status201Created;
                return;
            }

            context.Response.StatusCode = HttpMethods.IsOptions(context.Request.Method) ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
        });
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new DiscardingStore(app, new Uri(address + "/"), bytes);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
