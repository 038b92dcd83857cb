using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>Outages and broken uploads on a gateway of its own (the shared one must keep its Redis and token).</summary>
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

        // A small body goes upstream while its audit event is written, all but the last 16 bytes:
        // the event fails, the request to the store is aborted, and the caller is told to retry.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(_gateway.Eu.StoredPath("/outage/during.txt")));
        Assert.False(File.Exists(_gateway.Fr.StoredPath("/outage/during.txt")));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("", true)]
    [InlineData("une ligne", true)]
    public async Task Put_EmptyOrChunkedBody_AuditLogDown_Is503WithRetryAfter_NothingStored(string body, bool chunked)
    {
        // An empty envelope is its header and one tag; a chunked body has no length the store
        // could check. Either way the store must see the body end short, never complete.
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync("/outage/before.txt", new StringContent("stored while Redis is up"))).EnsureSuccessStatusCode();
        await _gateway.Redis.KillAsync();
        string path = $"/outage/during-{body.Length}-{(chunked ? "chunked" : "length")}.txt";
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(body) };
        request.Headers.TransferEncodingChunked = chunked;

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.False(File.Exists(_gateway.Eu.StoredPath(path)));
        Assert.False(File.Exists(_gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Put_LargeUpload_AuditLogDown_Is503WithRetryAfter_NothingStored()
    {
        // A body of several segments goes upstream while its key event is written; the last
        // segment waits for the event, so with Redis gone the store only ever sees a body that
        // stops short, and drops it.
        const string Canary = "CANARY-AUDIT-OUTAGE-LARGE-51c9";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync("/outage/before.txt", new StringContent("stored while Redis is up"))).EnsureSuccessStatusCode();
        string text = string.Concat(Enumerable.Repeat($"Compte rendu interne {Canary}. ", 12_000));

        await _gateway.Redis.KillAsync();
        using HttpResponseMessage response = await client.PutAsync("/outage/large.txt", new StringContent(text));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Canary, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(File.Exists(_gateway.Eu.StoredPath("/outage/large.txt")));
        Assert.False(File.Exists(_gateway.Fr.StoredPath("/outage/large.txt")));
        Assert.DoesNotContain(_gateway.StoredFiles(), f => File.ReadAllText(f).Contains(Canary, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Put_HsmUnpluggedMidRun_Is503WithRetryAfter_NothingStored_ThenStoredWhenBack()
    {
        const string Canary = "CANARY-HSM-OUTAGE-7f3a";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync("/hsm/before.txt", new StringContent("stored while the HSM is up"))).EnsureSuccessStatusCode();

        HttpResponseMessage during;
        using (_gateway.HsmToken.Unplug())
        {
            during = await client.PutAsync("/hsm/during.txt", new StringContent($"Contrat {Canary}"));
        }

        using (during)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), during.Headers.RetryAfter?.Delta);
        }

        Assert.False(File.Exists(_gateway.Eu.StoredPath("/hsm/during.txt")));
        Assert.False(File.Exists(_gateway.Fr.StoredPath("/hsm/during.txt")));

        // The client retries as told; once the token is back the same upload is stored, encrypted.
        HttpStatusCode retried = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 50 && retried == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            await Task.Delay(attempt == 0 ? 0 : 200);
            using HttpResponseMessage response = await client.PutAsync("/hsm/during.txt", new StringContent($"Contrat {Canary}"));
            retried = response.StatusCode;
        }

        Assert.True(retried is HttpStatusCode.Created or HttpStatusCode.NoContent or HttpStatusCode.OK, $"retry answered {retried}");
        Assert.Equal($"Contrat {Canary}", await client.GetStringAsync("/hsm/during.txt"));
        Assert.DoesNotContain(_gateway.StoredFiles(), f => File.ReadAllText(f).Contains(Canary, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_FirstStoreDown_Is503_NotTheOlderCopyInTheSecond()
    {
        // v2 is in the EU store (read first); the French store still has v1, which an upload to
        // the first store leaves alone. With the EU store down, v1 must not be served as current.
        string path = $"/outage/{Guid.NewGuid():N}/rapport.txt";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(client, path, "Rapport v1, confidentiel.", "Confidentiel"));
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(client, path, "Rapport v2.", label: null));

        await _gateway.Eu.StopAsync();
        using HttpResponseMessage response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.DoesNotContain("v1", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_OlderCopyInStoppedStore_Is503WithRetryAfter_ThenRetryLeavesOneCopy()
    {
        // v1 (interne) is in the EU store; v2 is confidentiel, so it goes to the French store, and
        // the EU copy, which reads would still serve first, must go: with the EU store down, it cannot.
        string path = $"/copies/{Guid.NewGuid():N}/rapport.txt";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(client, path, "Rapport v1, interne.", label: null));

        await _gateway.Eu.StopAsync();
        using (var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("Rapport v2, confidentiel.") })
        {
            request.Headers.Add("X-Sovereignty-Label", "Confidentiel");
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(GatewayFixture.EuStore, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await _gateway.Eu.RestartAsync();
        HttpStatusCode retried = await StoreCopiesTests.PutAsync(client, path, "Rapport v2, confidentiel.", "Confidentiel");

        Assert.True(retried is HttpStatusCode.Created or HttpStatusCode.NoContent, $"retry answered {retried}");
        Assert.False(File.Exists(_gateway.Eu.StoredPath(path)), "the older EU copy must be gone");
        Assert.True(File.Exists(_gateway.Fr.StoredPath(path)));
        Assert.Equal("Rapport v2, confidentiel.", await client.GetStringAsync(path));
    }

    [Fact]
    public async Task Put_ConditionalWhileAStoreIsDown_Is503WithRetryAfter_NothingStored()
    {
        // If-None-Match: * asks "only if no version exists": the French store, which could hold
        // one, cannot be asked, so the gateway cannot know and must not store.
        string path = $"/conditional/{Guid.NewGuid():N}/note.txt";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        await _gateway.Fr.StopAsync();

        using HttpResponseMessage response = await ConditionalUploadTests.PutAsync(client, path, "Compte rendu interne.", label: null,
            r => r.Headers.IfNoneMatch.Add(System.Net.Http.Headers.EntityTagHeaderValue.Any));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(File.Exists(_gateway.Eu.StoredPath(path)));
    }

    [Fact]
    public async Task Propfind_SecondStoreStopped_Is503WithRetryAfter_NotAPartialListing()
    {
        // The folder's confidential document is in the French store: listing the EU store alone
        // would show a folder that looks complete and is not.
        string folder = $"/listing/{Guid.NewGuid():N}/";
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(client, folder + "interne.txt", "Compte rendu interne.", label: null));
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(client, folder + "confidentiel.txt", "Note confidentielle.", "Confidentiel"));

        await _gateway.Fr.StopAsync();
        using (var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), folder))
        {
            request.Headers.Add("Depth", "1");
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        await _gateway.Fr.RestartAsync();
        IReadOnlyDictionary<string, System.Xml.Linq.XElement> listing = await ListingTests.PropfindAsync(client, folder, "1");
        Assert.Contains(folder + "confidentiel.txt", listing.Keys);
    }

    [Fact]
    public async Task Put_ClientAbortsHalfway_NoObjectStored()
    {
        // Past the 4 MiB inspection window, so the encrypted upload to the store is under way.
        using HttpClient client = _gateway.Client("alice", "collaborateurs-groupe");
        var content = new StreamContent(new FailingAfterStream(6 * 1024 * 1024));
        content.Headers.ContentLength = 12 * 1024 * 1024;

        await Assert.ThrowsAnyAsync<Exception>(() => client.PutAsync("/abort/half.bin", content));

        // The gateway aborts its upstream request too; nginx then drops the partial body.
        await Task.Delay(1000);
        Assert.False(File.Exists(_gateway.Eu.StoredPath("/abort/half.bin")));
        Assert.False(File.Exists(_gateway.Fr.StoredPath("/abort/half.bin")));
        Assert.DoesNotContain(_gateway.StoredFiles(), f => f.Contains("half.bin", StringComparison.Ordinal));
    }

    /// <summary>A request body that yields <c>length</c> bytes and then fails, as a client that dies mid-upload.</summary>
    private sealed class FailingAfterStream(long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= length)
            {
                throw new IOException("client went away (test)");
            }

            var n = (int)Math.Min(count, length - _position);
            buffer.AsSpan(offset, n).Fill((byte)'x');
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
