using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>A wrong deployment gives a clear, typed error, and never shows the PIN.</summary>
public sealed class Pkcs11ConfigurationErrorTests : IClassFixture<SoftHsmToken>
{
    private readonly SoftHsmToken _token;

    public Pkcs11ConfigurationErrorTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public void Constructor_ModuleMissing_ThrowsConfigurationNamingPath()
    {
        var options = _token.ProviderOptions();
        options.ModulePath = "/nonexistent/libvendor-pkcs11.so";

        var error = Assert.Throws<KeyServiceException>(() => new Pkcs11KeyProvider(options));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Contains("/nonexistent/libvendor-pkcs11.so", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ModuleNotAPkcs11Library_ThrowsConfiguration()
    {
        var notAModule = Path.GetTempFileName();
        try
        {
            var options = _token.ProviderOptions();
            options.ModulePath = notAModule;

            var error = Assert.Throws<KeyServiceException>(() => new Pkcs11KeyProvider(options));

            Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        }
        finally
        {
            File.Delete(notAModule);
        }
    }

    [Fact]
    public async Task ListKeksAsync_WrongPin_ThrowsAccessDeniedWithoutPin()
    {
        var wrongPin = "wrong-" + Guid.NewGuid().ToString("N");
        var pinFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(pinFile, wrongPin);
        try
        {
            var options = _token.ProviderOptions(name: "wrong-pin");
            options.PinFile = pinFile;
            await using var provider = new Pkcs11KeyProvider(options);

            var error = await Assert.ThrowsAsync<HsmException>(() => provider.ListKeksAsync("any", default));

            Assert.Equal(KeyErrorKind.AccessDenied, error.Kind);
            Assert.Equal("C_Login", error.Function);
            Assert.Contains(pinFile, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(wrongPin, error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain((await File.ReadAllTextAsync(_token.PinFile)).Trim(), error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(pinFile);
        }
    }

    [Fact]
    public async Task ListKeksAsync_PinEnvironmentVariableUnset_ThrowsConfiguration()
    {
        var options = _token.ProviderOptions(name: "no-pin");
        options.PinFile = null;
        options.PinEnvironmentVariable = "SOVEREIGNTY_TEST_UNSET_" + Guid.NewGuid().ToString("N");
        await using var provider = new Pkcs11KeyProvider(options);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => provider.ListKeksAsync("any", default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Contains(options.PinEnvironmentVariable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListKeksAsync_PinFromEnvironmentVariable_LogsIn()
    {
        var variable = "SOVEREIGNTY_TEST_PIN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, (await File.ReadAllTextAsync(_token.PinFile)).Trim());
        try
        {
            var options = _token.ProviderOptions(name: "env-pin");
            options.PinFile = null;
            options.PinEnvironmentVariable = variable;
            await using var provider = new Pkcs11KeyProvider(options);

            Assert.Empty(await provider.ListKeksAsync("nothing-here", default));
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public async Task ListKeksAsync_TokenLabelAbsent_ThrowsConfigurationNamingLabel()
    {
        var options = _token.ProviderOptions(name: "absent");
        options.TokenLabel = "no-such-token";
        await using var provider = new Pkcs11KeyProvider(options);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => provider.ListKeksAsync("any", default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
        Assert.Contains("'no-such-token'", error.Message, StringComparison.Ordinal);
        Assert.Contains(_token.TokenLabel, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    public void Constructor_BadPoolSize_ThrowsConfiguration(int size)
    {
        var error = Assert.Throws<KeyServiceException>(() => new Pkcs11KeyProvider(_token.ProviderOptions(sessionPoolSize: size)));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }

    [Fact]
    public void Constructor_BothPinSources_ThrowsConfiguration()
    {
        var options = _token.ProviderOptions();
        options.PinEnvironmentVariable = "ALSO_SET";

        var error = Assert.Throws<KeyServiceException>(() => new Pkcs11KeyProvider(options));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }
}
