using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// The proxy follows the policy directory while it runs: a gateway of its own over a copy of the
/// sample policy in a temp dir, edited by the tests.
/// </summary>
public sealed class PolicyReloadTests : IAsyncLifetime
{
    private const string InternalEncrypt = "    interne:\n      action: encrypt\n      stores: [sharepoint-eu, sharepoint-fr, ged-souveraine-fr]\n";
    private const string InternalBlock = "    interne:\n      action: block\n      reason: Dépôts internes suspendus pendant la migration.\n";

    private readonly string _policies = Directory.CreateTempSubdirectory("sovereignty-policies-").FullName;
    private readonly GatewayFixture _gateway;

    public PolicyReloadTests()
    {
        foreach (string file in Directory.GetFiles(Path.Combine(GatewayFixture.RepositoryRoot(), "policies"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(_policies, Path.GetFileName(file)));
        }

        _gateway = new GatewayFixture(new Dictionary<string, string?>
        {
            ["Sovereignty:Documents:PolicyDirectory"] = _policies,
            ["Sovereignty:Policy:Debounce"] = "00:00:00.100",
            ["Sovereignty:Policy:PollInterval"] = "00:00:01",
        });
    }

    public Task InitializeAsync() => _gateway.InitializeAsync();

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_policies, recursive: true);
    }

    [Fact]
    public async Task Put_AfterRuleChangedOnDisk_FollowsNewRule()
    {
        using HttpClient alice = _gateway.Client("alice", "collaborateurs-groupe");
        Assert.Equal(HttpStatusCode.Created, (await alice.PutAsync("/reload/before.txt", new StringContent("note interne"))).StatusCode);
        JsonElement before = await StatusAsync();

        await EditAsync("actions.yaml", InternalEncrypt, InternalBlock);
        JsonElement after = await WaitForStatusAsync(s => s.GetProperty("version").GetString() != before.GetProperty("version").GetString());

        using HttpResponseMessage put = await alice.PutAsync("/reload/after.txt", new StringContent("note interne"));
        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        using JsonDocument problem = JsonDocument.Parse(await put.Content.ReadAsStringAsync());
        Assert.Contains("Dépôts internes suspendus", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(_gateway.Eu.StoredPath("/reload/after.txt")));
        Assert.False(after.GetProperty("lastChangeRejected").GetBoolean());
        Assert.True(after.GetProperty("loadedAt").GetDateTimeOffset() >= before.GetProperty("loadedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Reload_BrokenFile_KeepsLastGoodPolicyAndReportsErrorWithLocation()
    {
        using HttpClient alice = _gateway.Client("alice", "collaborateurs-groupe");
        JsonElement before = await StatusAsync();

        await EditAsync("policy.yaml", "  mode: enforce\n", "  mode: sometimes\n");
        JsonElement status = await WaitForStatusAsync(s => s.GetProperty("lastChangeRejected").GetBoolean());

        Assert.Equal(before.GetProperty("version").GetString(), status.GetProperty("version").GetString());
        JsonElement error = Assert.Single(status.GetProperty("errors").EnumerateArray());
        Assert.Matches(@"policy\.yaml:8:\d+$", error.GetProperty("location").GetString());
        Assert.Contains("sometimes", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The last good policy still decides: an internal note is encrypted and stored.
        Assert.Equal(HttpStatusCode.Created, (await alice.PutAsync("/reload/kept.txt", new StringContent("note interne"))).StatusCode);
        Assert.True((await File.ReadAllBytesAsync(_gateway.Eu.StoredPath("/reload/kept.txt"))).AsSpan().StartsWith("SVEN"u8));
    }

    [Fact]
    public async Task AdminPolicy_WithoutOperatorOrAuditorRole_IsForbidden()
    {
        using HttpClient user = _gateway.Client("alice", "collaborateurs-groupe");
        using HttpClient anonymous = _gateway.Client(null);
        using HttpClient auditor = _gateway.RoleClient("carol", "auditor");

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/admin/policy")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/admin/policy")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await auditor.GetAsync("/admin/policy")).StatusCode);
    }

    private async Task EditAsync(string file, string from, string to)
    {
        string path = Path.Combine(_policies, file);
        string text = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
        Assert.Contains(from, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    private async Task<JsonElement> StatusAsync()
    {
        using HttpClient operatorClient = _gateway.RoleClient("olivia", "operator");
        return await operatorClient.GetFromJsonAsync<JsonElement>("/admin/policy");
    }

    private async Task<JsonElement> WaitForStatusAsync(Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            JsonElement status = await StatusAsync();
            if (condition(status))
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, "the policy change was not picked up within 20 s: " + status);
            await Task.Delay(100);
        }
    }
}
