using System.Net;
using System.Text.Json;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Hosting;

/// <summary>/readyz and /healthz on a gateway of its own (these tests take its HSM and Redis away).</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly GatewayFixture _gateway = new(new Dictionary<string, string?>
    {
        // Every probe asks the HSM again, so an outage shows at once.
        ["Sovereignty:Serve:ReadinessCacheDuration"] = "00:00:00",
    });

    public Task InitializeAsync() => _gateway.InitializeAsync();

    public Task DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Readyz_AllComponentsUp_Is200WithEveryCheckHealthy()
    {
        (HttpStatusCode status, JsonElement body) = await ReadyzAsync();

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("failing").EnumerateArray());
        foreach (string check in new[] { "hsm", "audit-log", "policy", "document-stores" })
        {
            Assert.Equal("Healthy", body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Readyz_HsmTokenUnplugged_Is503NamingHsm_AndHealthzStays200_ThenReadyWhenBack()
    {
        using (_gateway.HsmToken.Unplug())
        {
            (HttpStatusCode status, JsonElement body) = await ReadyzAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Equal(["hsm"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
            Assert.NotEqual("available", body.GetProperty("checks").GetProperty("hsm").GetProperty("data").GetProperty("softhsm").GetString());
            Assert.Equal(HttpStatusCode.OK, await HealthzAsync());
        }

        // Plugged back: the key service finds the token again by itself (no restart).
        HttpStatusCode recovered = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 50 && recovered != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(200);
            recovered = (await ReadyzAsync()).Status;
        }

        Assert.Equal(HttpStatusCode.OK, recovered);
    }

    [Fact]
    public async Task Readyz_RedisStopped_Is503NamingAuditLog_AndHealthzStays200()
    {
        await _gateway.Redis.KillAsync();

        (HttpStatusCode status, JsonElement body) = await ReadyzAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(["audit-log"], body.GetProperty("failing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.OK, await HealthzAsync());
    }

    [Fact]
    public async Task Readyz_WithinCacheDuration_ReusesHsmResult()
    {
        var cached = new GatewayFixture(new Dictionary<string, string?> { ["Sovereignty:Serve:ReadinessCacheDuration"] = "00:01:00" });
        await cached.InitializeAsync();
        try
        {
            using var client = new HttpClient { BaseAddress = cached.BaseAddress };
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);

            using (cached.HsmToken.Unplug())
            {
                // Within the minute the last HSM answer stands: probes do not reach the HSM.
                Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz")).StatusCode);
            }
        }
        finally
        {
            await cached.DisposeAsync();
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadyzAsync()
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using HttpResponseMessage response = await client.GetAsync("/readyz");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }

    private async Task<HttpStatusCode> HealthzAsync()
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        using HttpResponseMessage response = await client.GetAsync("/healthz");
        return response.StatusCode;
    }
}
