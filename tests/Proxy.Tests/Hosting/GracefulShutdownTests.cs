using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Hosting;

/// <summary>Stopping a node lets a download in progress finish (a gateway of its own: it is stopped).</summary>
public sealed class GracefulShutdownTests : IAsyncLifetime
{
    private readonly GatewayFixture _gateway = new();

    public Task InitializeAsync() => _gateway.InitializeAsync();

    public Task DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task StopAsync_DuringDownload_DownloadCompletesWithWholeDocument()
    {
        byte[] body = new byte[24 * 1024 * 1024];
        new Random(7).NextBytes(body);
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync("/shutdown/large.bin", new ByteArrayContent(body))).EnsureSuccessStatusCode();

        using HttpResponseMessage response = await client.GetAsync("/shutdown/large.bin", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using Stream download = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        byte[] buffer = new byte[64 * 1024];
        int read = await download.ReadAsync(buffer);
        received.Write(buffer, 0, read);

        // SIGTERM: the host stops listening and waits for in-flight requests (ShutdownTimeout).
        Task stopping = _gateway.App.StopAsync();
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted, "the host must wait for the download in progress");
        await download.CopyToAsync(received);
        await stopping.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(body.Length, received.Length);
        Assert.True(body.AsSpan().SequenceEqual(received.ToArray()), "the download must be the whole document");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/shutdown/large.bin"));
    }
}
