using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>Outages on a gateway of its own (the shared one must keep its Redis).</summary>
public sealed class FailClosedTests : IAsyncLifetime
{
    private readonly GatewayFixture _gateway = new();

    public Task InitializeAsync() => _gateway.InitializeAsync();

    public Task DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task Put_AuditLogDown_Is503WithRetryAfter_AndNothingStored()
    {
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync("/outage/before.txt", new StringContent("stored while Redis is up"))).EnsureSuccessStatusCode();

        await _gateway.Redis.KillAsync();
        using HttpResponseMessage response = await client.PutAsync("/outage/during.txt", new StringContent("must never be stored in clear"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.False(File.Exists(_gateway.Eu.StoredPath("/outage/during.txt")));
        Assert.False(File.Exists(_gateway.Fr.StoredPath("/outage/during.txt")));
    }
}
