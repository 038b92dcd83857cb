using System.Net;
using Sovereignty.Proxy.Tests.Support;

namespace Sovereignty.Proxy.Tests.Documents;

/// <summary>
/// A label whose allowed stores a document space does not use is refused for good (403, no
/// Retry-After): retrying could never store it there, and no other store is used instead.
/// </summary>
[Collection(GatewayGroup.Name)]
public sealed class ResidencyRefusalTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Put_LabelWhoseStoresTheRouteDoesNotUse_Is403WithoutRetryAfter_AndNothingStored()
    {
        // The sample policy keeps "diffusion-restreinte" in ged-souveraine-fr; the test route
        // writes to sharepoint-eu and sharepoint-fr only.
        string path = $"/restricted/{Guid.NewGuid():N}/note.txt";
        using HttpClient alice = gateway.Client("alice", "collaborateurs-groupe");
        using var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent("Note de service.") };
        request.Headers.Add("X-Sovereignty-Label", "Diffusion Restreinte");

        using HttpResponseMessage response = await alice.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(response.Headers.RetryAfter);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        string problem = await response.Content.ReadAsStringAsync();
        Assert.Contains("ged-souveraine-fr", problem, StringComparison.Ordinal);
        Assert.Contains("this document space uses none of them", problem, StringComparison.Ordinal);
        Assert.False(File.Exists(gateway.Eu.StoredPath(path)));
        Assert.False(File.Exists(gateway.Fr.StoredPath(path)));
    }
}
