using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Proxy.Audit;
using Sovereignty.Testing;

namespace Sovereignty.Proxy.Tests.Audit;

/// <summary>
/// The audit API on a real Kestrel (127.0.0.1, port 0) with JWT bearer authentication (a key
/// generated here), reading a real redis-server filled through the Redis audit log.
/// </summary>
public sealed class AuditApiTests : IAsyncLifetime, IDisposable
{
    private const string Issuer = "https://idp.test";
    private const string Audience = "sovereignty";
    private readonly RSA _idpKey = RSA.Create(2048);
    private RedisServer _redis = null!;
    private WebApplication _app = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sovereignty:Audit:Redis"] = _redis.ConnectionString,
            ["Sovereignty:Audit:NodeId"] = "api-node",
            ["Sovereignty:Audit:KeyPrefix"] = "apitest",
        });
        builder.Services.AddSingleton<ICheckpointSigner>(new RsaSigner());
        builder.Services.AddRedisAuditLog(builder.Configuration.GetSection(AuditOptions.SectionName));
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudience = Audience,
                IssuerSigningKey = new RsaSecurityKey(_idpKey),
                RoleClaimType = "role",
            };
        });
        builder.Services.AddAuditApi();
        _app = builder.Build();
        _app.UseAuthentication();
        _app.UseAuthorization();
        _app.MapAuditApi();
        await _app.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_app.Urls.Single()) };

        var log = _app.Services.GetRequiredService<IKeyEventLog>();
        for (var i = 0; i < 30; i++)
        {
            var use = new KeyUse { Actor = i % 3 == 0 ? "bob" : "alice", ObjectId = $"/docs/{i % 5}.pdf", Purpose = "rule-1", CorrelationId = "c" + i };
            await log.RecordAsync(new KeyEvent(i % 2 == 0 ? KeyOperation.WrapDataKey : KeyOperation.UnwrapDataKey, "confidential-fr",
                new KeyReference("confidential-fr", "k1", 1), use, i % 10 == 9 ? KeyEventResult.Denied : KeyEventResult.Ok), default);
        }
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _redis.DisposeAsync();
    }

    public void Dispose()
    {
        _client?.Dispose();
        _idpKey.Dispose();
    }

    [Fact]
    public async Task GetEvents_NoToken_Unauthorized()
    {
        using var response = await _client.GetAsync(new Uri("/audit/events", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetEvents_TokenWithoutAuditorRole_Forbidden()
    {
        using var response = await SendAsync("/audit/events?actor=bob", Token("mallory", "staff"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task GetEvents_TokenSignedByAnotherKey_Unauthorized()
    {
        using var other = RSA.Create(2048);
        using var response = await SendAsync("/audit/events", Token("eve", "auditor", other));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task GetEvents_Auditor_ReturnsTheSameEventsAsTheReader()
    {
        using var response = await SendAsync("/audit/events?actor=bob&op=wrap-data-key&limit=50", Token("carol", "auditor"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var expected = await _app.Services.GetRequiredService<AuditReader>()
            .QueryAsync(new AuditQuery { Actor = "bob", Operation = KeyOperation.WrapDataKey, Limit = 50 }, default);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(r => r.Sequence), body.EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.All(body.EnumerateArray(), e => Assert.Equal("WrapDataKey", e.GetProperty("operation").GetString()));
    }

    [Fact]
    public async Task GetStats_Auditor_ReportsDeniedAttempts()
    {
        using var response = await SendAsync("/audit/stats?since=1h", Token("carol", "auditor"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var denied = body.GetProperty("denied").EnumerateArray().ToDictionary(d => d.GetProperty("actor").GetString()!, d => d.GetProperty("count").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["alice"] = 2, ["bob"] = 1 }, denied);
    }

    [Theory]
    [InlineData("/audit/events?op=explode")]
    [InlineData("/audit/events?key=confidential-fr:zero")]
    [InlineData("/audit/events?since=yesterday-ish")]
    [InlineData("/audit/events?limit=0")]
    [InlineData("/audit/events?order=sideways")]
    public async Task GetEvents_BadFilter_BadRequestNamingIt(string path)
    {
        using var response = await SendAsync(path, Token("carol", "auditor"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await _client.SendAsync(request);
    }

    private string Token(string subject, string role, RSA? key = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject), new Claim("role", role)]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _idpKey), SecurityAlgorithms.RsaSha256),
        });

    private sealed class RsaSigner : ICheckpointSigner
    {
        private readonly RSA _key = RSA.Create(2048);

        public string KeyId => "test";

        public Task<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            Task.FromResult(_key.SignData(data.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
