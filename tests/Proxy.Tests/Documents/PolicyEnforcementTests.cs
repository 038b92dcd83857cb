using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sovereignty.KeyService.Audit;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>Ranges, residency, authorisation, blocked uploads, leaks, tampering and PROPFIND against real servers.</summary>
[Collection(GatewayGroup.Name)]
public sealed class PolicyEnforcementTests(GatewayFixture gateway)
{
    // Valid NIR (key 97 - n mod 97) and a valid French IBAN: the sample policy's personal-data rule.
    private const string Nir = "1 84 12 76 451 089 46";
    private const string Iban = "FR76 3000 6000 0112 3456 7890 189";

    [Theory]
    [InlineData("bytes=0-0", 0, 1)]
    [InlineData("bytes=199999-199999", 199_999, 1)]
    [InlineData("bytes=65530-65545", 65_530, 16)]
    [InlineData("bytes=-100", 199_900, 100)]
    [InlineData("bytes=131000-", 131_000, 69_000)]
    public async Task Get_Range_Returns206WithPlaintextBytes(string range, int offset, int count)
    {
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        await RangeRoundTrip.AssertAsync(client, "ranges", 200_000, seed: 42, range, offset, count);
    }

    [Fact]
    public async Task Get_UnsatisfiableRange_Is416WithPlaintextLength()
    {
        string path = $"/ranges/{Guid.NewGuid():N}.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new ByteArrayContent(new byte[1000]))).EnsureSuccessStatusCode();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Range = new RangeHeaderValue(1000, null);
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */1000", response.Content.Headers.ContentRange!.ToString());
    }

    [Fact]
    public async Task Put_PersonalData_LandsOnlyInFrenchStore_AndOnlyReadersMayRead()
    {
        string path = $"/residency/{Guid.NewGuid():N}/client.txt";
        string text = $"Client NIR {Nir}, IBAN {Iban}.";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        (await alice.PutAsync(path, new StringContent(text))).EnsureSuccessStatusCode();

        Assert.True(File.Exists(gateway.Fr.StoredPath(path)));
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.Equal(text, await alice.GetStringAsync(path));

        using HttpClient outsider = gateway.Client("bob", "prestataires");
        using HttpResponseMessage denied = await outsider.GetAsync(path);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("application/problem+json", denied.Content.Headers.ContentType!.MediaType);
        string problem = await denied.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Nir, problem, StringComparison.Ordinal);

        IReadOnlyList<AuditRecord> events = await gateway.AuditAsync("documents:" + path);
        Assert.Contains(events, e => e.Actor == "bob" && e.Result == KeyEventResult.Denied);
        Assert.Contains(events, e => e.Actor == "alice" && e.Operation == KeyOperation.WrapDataKey && e.Result == KeyEventResult.Ok);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("Confidentiel", true)]
    [InlineData("3f1c9a52-6b0e-4d7a-9c2e-5a8b7d6e4f10", true)]
    [InlineData("interne", false)]
    public async Task Put_LabelHeader_IsAUserLabelMappedByThePolicy(string? declared, bool confidential)
    {
        // The header is a user label (source "header"): only values the policy's user-labels map
        // (source: any) count; "interne" is no mapped value, so the content decides (interne, EU store).
        string path = $"/declared/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("Compte rendu de réunion.") };
        if (declared is not null)
        {
            request.Headers.Add("X-Sovereignty-Label", declared);
        }

        (await alice.SendAsync(request)).EnsureSuccessStatusCode();
        Assert.Equal(confidential, File.Exists(gateway.Fr.StoredPath(path)));
        Assert.Equal(!confidential, File.Exists(gateway.Eu.StoredPath(path)));
    }

    [Theory]
    [InlineData("/sites/rh/paie/novembre.txt", "RH", true)]
    [InlineData("/sites/rh/paie/novembre.txt", "collaborateurs-groupe", false)]
    [InlineData("/commun/note.txt", "collaborateurs-groupe", true)]
    [InlineData("/commun/note.txt", "prestataires", false)]
    public async Task Get_AuthorisationMatrix_LabelReadersDecide(string folder, string group, bool allowed)
    {
        string path = folder.Replace(".txt", $"-{Guid.NewGuid():N}.txt", StringComparison.Ordinal);
        using HttpClient writer = gateway.Client("writer", "RH", "collaborateurs-groupe");
        (await writer.PutAsync(path, new StringContent("bulletin"))).EnsureSuccessStatusCode();
        using HttpClient reader = gateway.Client("reader", group);
        using HttpResponseMessage response = await reader.GetAsync(path);
        Assert.Equal(allowed ? HttpStatusCode.OK : HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Put_ClassifiedMarking_Is403ProblemNamingTheRule_AndNothingStored()
    {
        string path = $"/blocked/{Guid.NewGuid():N}.txt";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        using HttpResponseMessage response = await client.PutAsync(path, new StringContent("TRÈS SECRET\nPlan de continuité.", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("information-classifiee", problem.RootElement.GetProperty("rule").GetString());
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)) || File.Exists(gateway.Fr.StoredPath(path)));
    }

    [Fact]
    public async Task Put_Canaries_NoCanaryInAnyStoredByte()
    {
        string canary = "CANARY-" + Guid.NewGuid().ToString("N");
        string folder = "/leak/" + Guid.NewGuid().ToString("N"); // paths travel in clear (file names, envelope context)
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        string[] bodies =
        [
            $"{canary} note interne",
            $"{canary} NIR {Nir}",
            $"{canary} " + new string('x', 2 * 1024 * 1024),
        ];
        for (int i = 0; i < bodies.Length; i++)
        {
            (await client.PutAsync($"{folder}/{i}.txt", new StringContent(bodies[i]))).EnsureSuccessStatusCode();
        }

        byte[] needle = Encoding.UTF8.GetBytes(canary);
        int scanned = 0;
        foreach (string file in gateway.StoredFiles())
        {
            byte[] stored = await File.ReadAllBytesAsync(file);
            Assert.True(stored.AsSpan().IndexOf(needle) < 0, $"canary found in {file}");
            scanned += file.Contains(folder.Replace('/', Path.DirectorySeparatorChar), StringComparison.Ordinal) ? 1 : 0;
        }

        Assert.Equal(bodies.Length, scanned);
    }

    [Fact]
    public async Task Get_TamperedStoredObject_ResponseAbortedAndAudited()
    {
        byte[] body = RoundTripTests.Content(300_000, seed: 7);
        string path = $"/tamper/{Guid.NewGuid():N}.bin";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(path, new ByteArrayContent(body))).EnsureSuccessStatusCode();

        string stored = gateway.Eu.StoredPath(path);
        byte[] envelope = await File.ReadAllBytesAsync(stored);
        envelope[envelope.Length - 70_000] ^= 0x01; // inside a middle segment
        await File.WriteAllBytesAsync(stored, envelope);

        Exception? failure = await Record.ExceptionAsync(async () =>
        {
            using HttpResponseMessage response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
            byte[] received = await response.Content.ReadAsByteArrayAsync();
            Assert.Fail($"the tampered object was served ({received.Length} bytes, status {(int)response.StatusCode})");
        });
        Assert.True(failure is HttpRequestException or IOException, failure?.ToString());

        IReadOnlyList<AuditRecord> events = await gateway.AuditAsync("documents:" + path);
        Assert.Contains(events, e => e.Result == KeyEventResult.Error && e.ErrorCode == "CiphertextTampered");
    }

    [Fact]
    public async Task Propfind_ReportsPlaintextSizes()
    {
        string folder = $"/listing-{Guid.NewGuid():N}/";
        using HttpClient client = gateway.Client("alice", "collaborateurs-groupe");
        (await client.PutAsync(folder + "a.bin", new ByteArrayContent(new byte[12_345]))).EnsureSuccessStatusCode();
        (await client.PutAsync(folder + "b.bin", new ByteArrayContent(new byte[70_000]))).EnsureSuccessStatusCode();

        using var request = new HttpRequestMessage(new HttpMethod("PROPFIND"), folder);
        request.Headers.Add("Depth", "1");
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal((HttpStatusCode)207, response.StatusCode);
        string xml = await response.Content.ReadAsStringAsync();
        Assert.Contains(">12345<", xml, StringComparison.Ordinal);
        Assert.Contains(">70000<", xml, StringComparison.Ordinal);
    }
}
