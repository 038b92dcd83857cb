using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Xml.Linq;
using Microsoft.AspNetCore.Http;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// PROPFIND's <c>getetag</c> of an encrypted document is the ETag GET gives for it: clients
/// compare the two to know whether their copy is current. nginx's dav-ext never lists
/// <c>getetag</c>, so the EU store here is a small Kestrel WebDAV store that does (with its own
/// prefix for <c>DAV:</c>), and gives every version the same ETag, as nginx does for versions
/// of one size written in the same second.
/// </summary>
public sealed class ListingEntityTagTests : IAsyncLifetime
{
    private const string StoreETag = "\"5f3a-2d\"";
    private static readonly XNamespace Dav = "DAV:";

    private readonly ConcurrentDictionary<string, (byte[] Body, DateTimeOffset Modified)> _objects = new();
    private StubStoreGateway _stub = null!;

    private GatewayFixture Gateway => _stub.Gateway;

    public async Task InitializeAsync() => _stub = await StubStoreGateway.StartAsync(AnswerAsync);

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task Propfind_EnvelopeGetEtag_EqualsGetETag_ForEachVersion()
    {
        string path = $"/listing/{Guid.NewGuid():N}.txt";
        using HttpClient alice = Gateway.Client("alice", "collaborateurs-groupe");
        var tags = new List<string>();
        foreach (string version in new[] { "Compte rendu, version 1.", "Compte rendu, version 2." })
        {
            Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, path, version, label: null));
            using HttpResponseMessage get = await alice.GetAsync(path);
            Assert.Equal(version, await get.Content.ReadAsStringAsync());
            string etag = get.Headers.ETag!.ToString();

            IReadOnlyDictionary<string, XElement> listing = await ListingTests.PropfindAsync(alice, path, "0");

            Assert.Equal(etag, listing[path].Descendants(Dav + "getetag").Single().Value);
            Assert.Equal(version.Length.ToString(CultureInfo.InvariantCulture), ListingTests.Length(listing[path]));
            tags.Add(etag);
        }

        Assert.NotEqual(tags[0], tags[1]);
    }

    private async Task AnswerAsync(HttpContext context)
    {
        string path = context.Request.Path.Value!;
        switch (context.Request.Method)
        {
            case "PUT":
                using (var body = new MemoryStream())
                {
                    await context.Request.Body.CopyToAsync(body);
                    DateTimeOffset now = DateTimeOffset.UtcNow;
                    _objects[path] = (body.ToArray(), now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
                }

                context.Response.StatusCode = StatusCodes.Status201Created;
                return;
            case "DELETE":
                context.Response.StatusCode = _objects.TryRemove(path, out _) ? StatusCodes.Status204NoContent : StatusCodes.Status404NotFound;
                return;
            case "GET" when _objects.TryGetValue(path, out var stored):
                context.Response.Headers.ETag = StoreETag;
                context.Response.Headers.LastModified = stored.Modified.ToString("R", CultureInfo.InvariantCulture);
                context.Response.ContentLength = stored.Body.Length;
                await context.Response.Body.WriteAsync(stored.Body);
                return;
            case "PROPFIND" when _objects.TryGetValue(path, out var listed):
                context.Response.StatusCode = StatusCodes.Status207MultiStatus;
                context.Response.ContentType = "application/xml; charset=utf-8";
                await context.Response.WriteAsync($"""
                    <?xml version="1.0" encoding="utf-8"?>
                    <lp1:multistatus xmlns:lp1="DAV:"><lp1:response><lp1:href>{path}</lp1:href><lp1:propstat><lp1:prop>
                    <lp1:getcontentlength>{listed.Body.Length}</lp1:getcontentlength>
                    <lp1:getlastmodified>{listed.Modified.ToString("R", CultureInfo.InvariantCulture)}</lp1:getlastmodified>
                    <lp1:getetag>{StoreETag}</lp1:getetag>
                    </lp1:prop><lp1:status>HTTP/1.1 200 OK</lp1:status></lp1:propstat></lp1:response></lp1:multistatus>
                    """);
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
        }
    }
}
