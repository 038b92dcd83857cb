using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// MOVE and COPY do not send the content through the gateway, so they go through only where the
/// policy treats both paths alike. The sample policy makes everything under <c>/sites/rh/</c>
/// confidential and readable by HR only (rule <c>dossiers-rh</c>): moving a document there must
/// not be a way around uploading it there.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class RelocationTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("MOVE")]
    [InlineData("COPY")]
    public async Task IntoTheHrSpace_Is403NamingTheRule_AndNothingMoves(string method)
    {
        string folder = Guid.NewGuid().ToString("N");
        string source = $"/commun/{folder}/note.txt";
        string destination = $"/sites/rh/{folder}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(source, new StringContent("Note interne."))).EnsureSuccessStatusCode();

        using HttpResponseMessage response = await SendAsync(alice, method, source, new Uri(gateway.BaseAddress, destination).AbsoluteUri);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        string problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("dossiers-rh", problem, StringComparison.Ordinal);
        Assert.Contains("upload it at its new place", problem, StringComparison.Ordinal);
        Assert.Equal("Note interne.", await alice.GetStringAsync(source));
        Assert.False(File.Exists(gateway.Eu.StoredPath(destination)));
        Assert.False(File.Exists(gateway.Fr.StoredPath(destination)));
    }

    [Fact]
    public async Task ClearDocumentIntoTheHrSpace_Is403_AndStaysWhereItWas()
    {
        string folder = Guid.NewGuid().ToString("N");
        string source = $"/publications/{folder}/brouillon.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using (var upload = new HttpRequestMessage(HttpMethod.Put, source) { Content = new StringContent("Brouillon public.") })
        {
            upload.Headers.Add("X-Sovereignty-Label", "Public");
            (await alice.SendAsync(upload)).EnsureSuccessStatusCode();
        }

        Assert.Equal("Brouillon public.", File.ReadAllText(gateway.Eu.StoredPath(source)));

        using HttpResponseMessage response = await SendAsync(alice, "MOVE", source, $"/sites/rh/{folder}/brouillon.txt");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.True(File.Exists(gateway.Eu.StoredPath(source)));
        Assert.False(File.Exists(gateway.Eu.StoredPath($"/sites/rh/{folder}/brouillon.txt")));
    }

    [Fact]
    public async Task FolderOutOfTheHrSpace_Is403()
    {
        string folder = Guid.NewGuid().ToString("N");
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");

        using HttpResponseMessage response = await SendAsync(alice, "MOVE", $"/sites/rh/{folder}/", $"/commun/{folder}/");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("dossiers-rh", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenameInTheSameFolder_GoesThrough()
    {
        string folder = $"/commun/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(folder + "/avant.txt", new StringContent("Compte rendu."))).EnsureSuccessStatusCode();

        using HttpResponseMessage response = await SendAsync(alice, "MOVE", folder + "/avant.txt", new Uri(gateway.BaseAddress, folder + "/apres.txt").AbsoluteUri);

        Assert.True(response.IsSuccessStatusCode, $"MOVE answered {(int)response.StatusCode}");
        Assert.Equal("Compte rendu.", await alice.GetStringAsync(folder + "/apres.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync(folder + "/avant.txt")).StatusCode);
    }

    [Fact]
    public async Task WithoutDestination_Is400()
    {
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(new HttpMethod("MOVE"), $"/commun/{Guid.NewGuid():N}.txt");

        using HttpResponseMessage response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task DestinationWithDotSegments_IsCheckedWhereItLeads()
    {
        // "/commun/x/../../sites/rh/…" is /sites/rh/… for the store: the policy must see that path.
        string folder = Guid.NewGuid().ToString("N");
        string source = $"/commun/{folder}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(source, new StringContent("Note interne."))).EnsureSuccessStatusCode();

        using HttpResponseMessage dotted = await SendAsync(alice, "MOVE", source, $"/commun/{folder}/../../sites/rh/{folder}/note.txt");
        using HttpResponseMessage encoded = await SendAsync(alice, "MOVE", source, $"/commun/{folder}/%2e%2e/%2e%2e/sites/rh/{folder}/note.txt");

        Assert.Equal(HttpStatusCode.Forbidden, dotted.StatusCode);
        // Percent-encoded dots are resolved too (403 by the policy) or refused (400): never moved.
        Assert.True(encoded.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.BadRequest, $"encoded dots answered {encoded.StatusCode}");
        Assert.Equal("Note interne.", await alice.GetStringAsync(source));
        Assert.False(File.Exists(gateway.Eu.StoredPath($"/sites/rh/{folder}/note.txt")));
    }

    [Fact]
    public async Task OverwriteF_DestinationInAnotherStore_Is412_AndNothingMoves()
    {
        // The destination is in the EU store, the source in the French one: the French store alone
        // would see no destination and move the document over it.
        string folder = $"/commun/{Guid.NewGuid():N}";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, folder + "/cible.txt", "Ancienne note.", label: null));
        Assert.Equal(HttpStatusCode.Created, await StoreCopiesTests.PutAsync(alice, folder + "/source.txt", "Note confidentielle.", "Confidentiel"));

        using var request = new HttpRequestMessage(new HttpMethod("MOVE"), folder + "/source.txt");
        request.Headers.Add("Destination", folder + "/cible.txt");
        request.Headers.Add("Overwrite", "F");
        using HttpResponseMessage response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.Equal("Ancienne note.", await alice.GetStringAsync(folder + "/cible.txt"));
        Assert.Equal("Note confidentielle.", await alice.GetStringAsync(folder + "/source.txt"));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string source, string destination)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), source);
        request.Headers.Add("Destination", destination);
        return await client.SendAsync(request);
    }
}
