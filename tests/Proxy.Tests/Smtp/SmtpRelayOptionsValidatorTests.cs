using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sovereignty.Proxy.Smtp;

namespace Sovereignty.Proxy.Tests.Smtp;

public sealed class SmtpRelayOptionsValidatorTests
{
    [Fact]
    public void Validate_BadDeployment_NamesEveryProblemByKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sovereignty:Smtp:ListenAddress"] = "not-an-ip",
            ["Sovereignty:Smtp:AllowedClientNetworks:0"] = "10.0.0.0/33",
            ["Sovereignty:Smtp:Upstream:Host"] = "smtp.provider.example",
            ["Sovereignty:Smtp:Upstream:Security"] = "None",
            ["Sovereignty:Smtp:Auth:CredentialsFile"] = "/nonexistent/users",
            ["Sovereignty:Smtp:Limits:MaxLineLength"] = "100",
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddSmtpRelay(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SmtpRelayOptions>>().Value);

        var text = string.Join("\n", error.Failures);
        Assert.Contains("Sovereignty:Smtp:ListenAddress", text);
        Assert.Contains("AllowedClientNetworks entry '10.0.0.0/33'", text);
        Assert.Contains("Sovereignty:Smtp:SpoolDirectory is required", text);
        Assert.Contains("Security None is allowed only for a loopback upstream", text);
        Assert.Contains("Auth:CredentialsFile '/nonexistent/users' does not exist", text);
        Assert.Contains("needs Sovereignty:Smtp:Tls:CertificatePath", text);
        Assert.Contains("MaxLineLength", text);
    }

    [Fact]
    public void Validate_MinimalLoopbackDeployment_Succeeds()
    {
        var options = new SmtpRelayOptions { SpoolDirectory = "/tmp/spool", AllowedClientNetworks = ["127.0.0.0/8"] };
        options.Upstream.Host = "127.0.0.1";
        options.Upstream.Security = UpstreamSecurity.None;

        var result = new SmtpRelayOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }
}
