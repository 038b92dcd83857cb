using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime;
using Sovereignty.KeyService.Smime.Encryption;
using Sovereignty.KeyService.Tests.Support;

namespace Sovereignty.KeyService.Tests.Smime;

public sealed class SmimeServicesTests : IClassFixture<SmimeFixture>
{
    private readonly SmimeFixture _fixture;

    public SmimeServicesTests(SmimeFixture fixture) => _fixture = fixture;

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddSingleton<IKeyPairRing>(new SoftwareKeyPairRing(new() { ["smime-signing"] = _fixture.Signing, ["smime-escrow"] = _fixture.Escrow }, new RecordingKeyEventLog()));
        services.AddSmime(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task AddSmime_ValidConfiguration_EncryptorEncrypts()
    {
        using var provider = Build(new()
        {
            ["Sovereignty:Smime:EscrowCertificatePath"] = _fixture.EscrowFile,
            ["Sovereignty:Smime:Certificates:Directory"] = _fixture.CertificateDirectory,
            ["Sovereignty:Smime:Certificates:TrustAnchorFiles:0"] = _fixture.Pki.CaFile,
            ["Sovereignty:Smime:Certificates:CrlFiles:0"] = _fixture.CrlFile,
        });

        var result = await provider.GetRequiredService<ISmimeEncryptor>().EncryptAsync(
            new SmimeEncryptionRequest(SmimeFixture.CanaryMessage("DI", SmimeFixture.Alice), [SmimeFixture.Alice], SmimeFixture.Use), default);

        Assert.True(result.Encrypted);
    }

    [Fact]
    public void AddSmime_MissingEscrowAndTrustAnchors_ValidationNamesEachProblem()
    {
        using var provider = Build(new() { ["Sovereignty:Smime:Certificates:Directory"] = "/nonexistent-smime-dir" });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SmimeOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("EscrowCertificatePath is required", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("is not an existing directory", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("TrustAnchorFiles is empty", StringComparison.Ordinal));
    }
}
