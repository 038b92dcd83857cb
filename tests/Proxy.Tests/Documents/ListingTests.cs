using System.Net;
using System.Xml.Linq;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// PROPFIND over the route's two stores (EU first, FR second): a document's label decides its
/// store, so a folder's listing merges both.
/// </summary>
/// <remarks>
/// Regression tests: PROPFIND went to the first store only, so a confidential document (stored
/// in the French store) was missing from its folder's listing although GET served it, and a
/// folder holding only such documents was 404.
/// </remarks>
[Collection(GatewayGroup.Name)]
public sealed class ListingTests(GatewayFixture gateway)
{
    private static readonly XNamespace Dav = "DAV:";

    [Fact]
    public async Task Propfind_FolderWithDocumentsInBothStores_ListsBothWithPlaintextSizes()
    {
        string folder = $"/listing/{Guid.NewGuid():N}/";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        const string Interne = "Compte rendu de réunion, interne.";
        const string Confidentiel = "Note confidentielle, à ne pas diffuser hors de France.";
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, folder + "interne.txt", Interne, label: null));
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, folder + "confidentiel.txt", Confidentiel, "Confidentiel"));
        Assert.True(File.Exists(gateway.Eu.StoredPath(folder + "interne.txt")));
        Assert.True(File.Exists(gateway.Fr.StoredPath(folder + "confidentiel.txt")));

        IReadOnlyDictionary<string, XElement> listing = await PropfindAsync(alice, folder, "1");

        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(Interne).ToString(), Length(listing[folder + "interne.txt"]));
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(Confidentiel).ToString(), Length(listing[folder + "confidentiel.txt"]));
        Assert.Single(listing.Keys, href => href.TrimEnd('/') == folder.TrimEnd('/'));
        Assert.Equal(3, listing.Count);
    }

    [Fact]
    public async Task Propfind_FolderOnlyInSecondStore_IsListed()
    {
        string folder = $"/listing/{Guid.NewGuid():N}/";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        const string Text = "Note confidentielle.";
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, folder + "note.txt", Text, "Confidentiel"));
        Assert.False(Directory.Exists(gateway.Eu.StoredPath(folder)));

        IReadOnlyDictionary<string, XElement> listing = await PropfindAsync(alice, folder, "1");

        Assert.Equal(Text.Length.ToString(), Length(listing[folder + "note.txt"]));
    }

    [Fact]
    public async Task Propfind_Depth0_FileInSecondStore_AnswersItsEntryWithPlaintextSize()
    {
        string path = $"/listing/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        const string Text = "Note confidentielle, version unique.";
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, path, Text, "Confidentiel"));

        IReadOnlyDictionary<string, XElement> listing = await PropfindAsync(alice, path, "0");

        Assert.Equal([path], listing.Keys);
        Assert.Equal(Text.Length.ToString(), Length(listing[path]));
    }

    [Fact]
    public async Task Propfind_PathInNoStore_Is404()
    {
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), $"/listing/{Guid.NewGuid():N}/");
        request.Headers.Add("Depth", "1");
        using HttpResponseMessage response = await alice.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>Sends PROPFIND and returns the 207's entries by href.</summary>
    internal static async Task<IReadOnlyDictionary<string, XElement>> PropfindAsync(HttpClient client, string path, string depth)
    {
        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), path);
        request.Headers.Add("Depth", depth);
        using HttpResponseMessage response = await client.SendAsync(request);
        string xml = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 207, $"PROPFIND answered {(int)response.StatusCode}: {xml}");
        return XDocument.Parse(xml).Descendants(Dav + "response")
            .ToDictionary(r => Uri.UnescapeDataString(r.Element(Dav + "href")!.Value), r => r);
    }

    internal static string? Length(XElement response) => response.Descendants(Dav + "getcontentlength").SingleOrDefault()?.Value;
}
