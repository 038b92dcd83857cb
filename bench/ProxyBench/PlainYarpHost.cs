using Sovereignty.Proxy.Hosting;
using Yarp.ReverseProxy.Configuration;

namespace Sovereignty.Bench.Proxy;

/// <summary>
/// The baseline: Kestrel + YARP forwarding every request to one upstream, nothing else (no
/// authentication, classification, encryption or audit). Same GC settings as <c>sovereignty</c>.
/// With <c>wholeBodyFirst</c> it is the store-and-forward baseline (<see cref="WholeBodyFirst"/>).
/// </summary>
internal static class PlainYarpHost
{
    public static async Task RunAsync(string url, string upstream, bool wholeBodyFirst)
    {
        // Same host settings as `sovereignty serve`: no watcher on the working directory.
        WebApplicationBuilder builder = WebApplication.CreateBuilder(ServeHost.BuilderOptions([]));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "all", ClusterId = "store", Match = new RouteMatch { Path = "/{**path}" } }],
            [new ClusterConfig { ClusterId = "store", Destinations = new Dictionary<string, DestinationConfig> { ["a"] = new() { Address = upstream } } }]);
        WebApplication app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        if (wholeBodyFirst)
        {
            app.Use(WholeBodyFirst.ReadBodyThenForwardAsync);
        }

        app.MapReverseProxy();
        await app.RunAsync();
    }
}
