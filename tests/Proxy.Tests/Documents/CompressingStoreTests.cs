using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// A store that compresses its PROPFIND answers when the request allows it (IIS and SharePoint
/// do; nginx never compresses a 207, so this store is a small Kestrel server of its own). The
/// gateway reads those answers to report plaintext sizes, so it must ask for them uncompressed,
/// whatever the client accepts.
/// </summary>
public sealed class CompressingStoreTests : IAsyncLifetime
{
    private const string Listing = """
        <?xml version="1.0" encoding="utf-8" ?>
        <D:multistatus xmlns:D="DAV:"><D:response><D:href>/dossier/a.bin</D:href><D:propstat><D:prop><D:getcontentlength>100</D:getcontentlength></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>
        """;

    private readonly List<string> _propfindAcceptEncodings = [];
    private StubStoreGateway _stub = null!;

    private GatewayFixture Gateway => _stub.Gateway;

    public async Task InitializeAsync() => _stub = await StubStoreGateway.StartAsync(AnswerAsync);

    public async Task DisposeAsync() => await _stub.DisposeAsync();

    [Fact]
    public async Task Propfind_ClientAcceptsGzip_ListingIsReadAndSizesReported()
    {
        using HttpClient client = Gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), "/dossier/");
        request.Headers.Add("Depth", "1");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));

        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        Assert.Contains("<D:getcontentlength>100</D:getcontentlength>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        lock (_propfindAcceptEncodings)
        {
            Assert.All(_propfindAcceptEncodings, Assert.Empty);
            Assert.NotEmpty(_propfindAcceptEncodings);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (context.Request.Method != "PROPFIND")
        {
            // The object the listing names: 100 bytes in clear.
            context.Response.StatusCode = StatusCodes.Status200OK;
            await context.Response.Body.WriteAsync(new byte[100]);
            return;
        }

        string acceptEncoding = context.Request.Headers.AcceptEncoding.ToString();
        lock (_propfindAcceptEncodings)
        {
            _propfindAcceptEncodings.Add(acceptEncoding);
        }

        context.Response.StatusCode = 207;
        context.Response.ContentType = "text/xml; charset=utf-8";
        byte[] xml = Encoding.UTF8.GetBytes(Listing);
        if (acceptEncoding.Contains("gzip", StringComparison.Ordinal))
        {
            context.Response.Headers.ContentEncoding = "gzip";
            using var buffer = new MemoryStream();
            using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(xml);
            }

            xml = buffer.ToArray();
        }

        await context.Response.Body.WriteAsync(xml);
    }
}
