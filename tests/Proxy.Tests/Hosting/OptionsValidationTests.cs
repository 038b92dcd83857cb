using Sovereignty.Proxy.Documents;
using Sovereignty.Proxy.Hosting;
using Sovereignty.Proxy.Identity;

namespace Sovereignty.Proxy.Tests.Hosting;

public sealed class OptionsValidationTests
{
    [Fact]
    public void IdentityValidator_EmptySettings_NamesEveryMissingSetting()
    {
        var result = new IdentityOptionsValidator().Validate(null, new IdentityOptions());
        Assert.True(result.Failed);
        string all = string.Join("\n", result.Failures!);
        Assert.Contains("Issuer is required", all, StringComparison.Ordinal);
        Assert.Contains("Audience is required", all, StringComparison.Ordinal);
        Assert.Contains("exactly one of SigningKeys", all, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityValidator_PlainHttpJwks_IsRefusedUnlessAllowed()
    {
        var options = new IdentityOptions { Issuer = "i", Audience = "a", JwksUrl = new Uri("http://idp.invalid/jwks") };
        Assert.True(new IdentityOptionsValidator().Validate(null, options).Failed);
        options.RequireHttpsMetadata = false;
        Assert.True(new IdentityOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void IdentityValidator_BadPemAndThumbprint_AreNamed()
    {
        var options = new IdentityOptions { Issuer = "i", Audience = "a" };
        options.SigningKeys.Add("not a key");
        options.ClientCertificates.Subjects["abc"] = new CertificateSubject();
        string all = string.Join("\n", new IdentityOptionsValidator().Validate(null, options).Failures!);
        Assert.Contains("SigningKeys:0", all, StringComparison.Ordinal);
        Assert.Contains("not a SHA-256 thumbprint", all, StringComparison.Ordinal);
        Assert.Contains("Subject is required", all, StringComparison.Ordinal);
    }

    [Fact]
    public void IdentityValidator_GeneratedPublicKey_IsAccepted()
    {
        using DevTokenIssuer issuer = DevTokenIssuer.Generate();
        var options = new IdentityOptions { Issuer = "i", Audience = "a" };
        options.SigningKeys.Add(issuer.PublicKeyPem);
        Assert.True(new IdentityOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void DocumentValidator_OutOfRangeSettings_AreAllNamed()
    {
        var options = new DocumentProxyOptions
        {
            PolicyDirectory = "/nonexistent/policies",
            InspectionWindowBytes = 10,
            ConcurrentLargeInspections = 0,
            ProbeBytes = 10,
            RetryAfterSeconds = 0,
            MaxPropfindResponseBytes = 10,
            PropfindProbeConcurrency = 0,
        };
        var failures = new DocumentProxyOptionsValidator().Validate(null, options).Failures!;
        Assert.Equal(7, failures.Count());
    }

    [Fact]
    public void ServeValidator_NegativeShutdown_IsRefused()
    {
        var result = new ServeOptionsValidator().Validate(null, new ServeOptions { ShutdownTimeout = TimeSpan.FromSeconds(-1) });
        Assert.Contains("ShutdownTimeout", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }
}
