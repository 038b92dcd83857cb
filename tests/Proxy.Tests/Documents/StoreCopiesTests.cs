using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// One copy per path across the route's two stores (EU first, FR second): an overwrite whose
/// label moves it to the other store, DELETE, and MOVE of an object that is not in the first store.
/// </summary>
/// <remarks>
/// Regression tests for copies left behind: reads serve the first store in route order that
/// holds a path, so a copy left in the EU store hid a newer version in the French one and
/// brought deleted documents back; DELETE and MOVE only ever reached the EU store.
/// </remarks>
[Collection(GatewayGroup.Name)]
public sealed class StoreCopiesTests(GatewayFixture gateway)
{
    private const string LabelHeader = "X-Sovereignty-Label";

    [Fact]
    public async Task Put_RelabelledInterneToConfidentiel_GetReturnsNewVersion_AndEuCopyRemoved()
    {
        string path = $"/copies/{Guid.NewGuid():N}/rapport.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, path, "Rapport v1, interne.", label: null));
        Assert.True(File.Exists(gateway.Eu.StoredPath(path)));

        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, path, "Rapport v2, confidentiel.", "Confidentiel"));

        Assert.Equal("Rapport v2, confidentiel.", await alice.GetStringAsync(path));
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)), "the older EU copy must be gone");
        Assert.True(File.Exists(gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Delete_AfterConfidentielThenInterneVersion_Is204_AndNeitherStoreHoldsIt()
    {
        string path = $"/copies/{Guid.NewGuid():N}/rapport.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, path, "Rapport v1, confidentiel.", "Confidentiel"));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, path, "Rapport v2, interne.", label: null));

        using HttpResponseMessage delete = await alice.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using HttpResponseMessage get = await alice.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.False(File.Exists(gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Delete_ObjectOnlyInSecondStore_Is204_AndGone()
    {
        string path = $"/copies/{Guid.NewGuid():N}/confidentiel.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, path, "Note confidentielle.", "Confidentiel"));
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));

        using HttpResponseMessage delete = await alice.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        Assert.False(File.Exists(gateway.Fr.StoredPath(path)));
        using HttpResponseMessage get = await alice.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Delete_PathInNoStore_Is404()
    {
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using HttpResponseMessage delete = await alice.DeleteAsync($"/copies/{Guid.NewGuid():N}/absent.txt");
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
    }

    [Fact]
    public async Task Move_ObjectOnlyInSecondStore_LandsInThatStoreAtDestination()
    {
        string folder = $"/copies/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/avant.txt", "Note confidentielle.", "Confidentiel"));

        using var move = new HttpRequestMessage(new HttpMethod("MOVE"), folder + "/avant.txt");
        move.Headers.Add("Destination", new Uri(gateway.BaseAddress, folder + "/apres.txt").AbsoluteUri);
        using HttpResponseMessage moved = await alice.SendAsync(move);
        // RFC 4918 says 201 for a new destination; nginx answers 204.
        Assert.True(moved.StatusCode is HttpStatusCode.Created or HttpStatusCode.NoContent, $"MOVE answered {moved.StatusCode}");

        Assert.True(File.Exists(gateway.Fr.StoredPath(folder + "/apres.txt")));
        Assert.False(File.Exists(gateway.Fr.StoredPath(folder + "/avant.txt")));
        Assert.False(File.Exists(gateway.Eu.StoredPath(folder + "/apres.txt")));
        Assert.Equal("Note confidentielle.", await alice.GetStringAsync(folder + "/apres.txt"));
    }

    [Fact]
    public async Task Move_PathInNoStore_Is404()
    {
        string folder = $"/copies/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var move = new HttpRequestMessage(new HttpMethod("MOVE"), folder + "/absent.txt");
        move.Headers.Add("Destination", new Uri(gateway.BaseAddress, folder + "/ailleurs.txt").AbsoluteUri);
        using HttpResponseMessage moved = await alice.SendAsync(move);
        Assert.Equal(HttpStatusCode.NotFound, moved.StatusCode);
    }

    [Fact]
    public async Task Put_ToTheFirstStore_LeavesTheLaterStoreAlone_ReadsAndListingsShowTheNewVersion()
    {
        // The usual upload goes to the first store and costs no request to the other: an older
        // copy in a later store is never what reads or listings find.
        string folder = $"/copies/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/rapport.txt", "Rapport v1, confidentiel.", "Confidentiel"));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/rapport.txt", "Rapport v2.", label: null));

        Assert.True(File.Exists(gateway.Fr.StoredPath(folder + "/rapport.txt")), "a later store is not asked after an upload to the first");
        Assert.Equal("Rapport v2.", await alice.GetStringAsync(folder + "/rapport.txt"));
        IReadOnlyDictionary<string, System.Xml.Linq.XElement> listing = await ListingTests.PropfindAsync(alice, folder + "/", "1");
        System.Xml.Linq.XElement entry = listing[folder + "/rapport.txt"];
        Assert.Equal("11", entry.Descendants(System.Xml.Linq.XName.Get("getcontentlength", "DAV:")).Single().Value);
    }

    [Fact]
    public async Task Move_WithAnOlderCopyInALaterStore_TheOldPathIsGoneEverywhere()
    {
        string folder = $"/copies/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/avant.txt", "Rapport v1, confidentiel.", "Confidentiel"));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/avant.txt", "Rapport v2.", label: null));

        using HttpResponseMessage moved = await RelocateAsync(alice, "MOVE", folder + "/avant.txt", folder + "/apres.txt");

        Assert.True(moved.IsSuccessStatusCode, $"MOVE answered {moved.StatusCode}");
        Assert.Equal("Rapport v2.", await alice.GetStringAsync(folder + "/apres.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(folder + "/avant.txt")).StatusCode);
        Assert.False(File.Exists(gateway.Fr.StoredPath(folder + "/avant.txt")), "the older copy must not come back at the old path");
    }

    [Theory]
    [InlineData("MOVE")]
    [InlineData("COPY")]
    public async Task MoveOrCopy_OntoAPathHeldByAnEarlierStore_ReadsGetTheMovedDocument(string method)
    {
        // The destination exists in the EU store (asked first); the source is in the French one.
        string folder = $"/copies/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/cible.txt", "Ancienne note.", label: null));
        Assert.Equal(HttpStatusCode.Created, await PutAsync(alice, folder + "/source.txt", "Note confidentielle.", "Confidentiel"));

        using HttpResponseMessage done = await RelocateAsync(alice, method, folder + "/source.txt", folder + "/cible.txt");

        Assert.True(done.IsSuccessStatusCode, $"{method} answered {done.StatusCode}");
        Assert.Equal("Note confidentielle.", await alice.GetStringAsync(folder + "/cible.txt"));
        Assert.False(File.Exists(gateway.Eu.StoredPath(folder + "/cible.txt")), "the older destination in the EU store must be gone");
    }

    private async Task<HttpResponseMessage> RelocateAsync(HttpClient client, string method, string source, string destination)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), source);
        request.Headers.Add("Destination", new Uri(gateway.BaseAddress, destination).AbsoluteUri);
        return await client.SendAsync(request);
    }

    internal static async Task<HttpStatusCode> PutAsync(HttpClient client, string path, string text, string? label)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(text) };
        if (label is not null)
        {
            request.Headers.Add(LabelHeader, label);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
