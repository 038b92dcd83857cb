using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Pkcs11;

namespace Sovereignty.KeyService.Tests.Keys;

/// <summary>Pure checks of the configuration; no token needed (the module path is any existing file).</summary>
public sealed class HsmOptionsValidatorTests : IDisposable
{
    private readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    private HsmOptions Valid() => new()
    {
        Providers = [new Pkcs11ProviderOptions { Name = "hsm-a", ModulePath = _file, TokenLabel = "t", PinFile = _file }],
        KeyClasses = [new KeyClassOptions { Name = "confidential-fr", Provider = "hsm-a", Residency = "fr" }],
        KeyPairs = [new KeyPairOptions { Name = "smime-signing", Provider = "hsm-a", Residency = "fr" }],
    };

    [Fact]
    public void Check_ValidOptions_NoErrors()
    {
        Assert.Empty(HsmOptionsValidator.Check(Valid()));
    }

    [Fact]
    public void Check_UnknownProvider_NamesClassAndProvider()
    {
        var options = Valid();
        options.KeyClasses[0].Provider = "hsm-b";

        var error = Assert.Single(HsmOptionsValidator.Check(options));

        Assert.Contains("'confidential-fr'", error, StringComparison.Ordinal);
        Assert.Contains("unknown provider 'hsm-b'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DuplicateClass_Reported()
    {
        var options = Valid();
        options.KeyClasses.Add(new KeyClassOptions { Name = "confidential-fr", Provider = "hsm-a", KeyLabel = "other", Residency = "fr" });

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("duplicate name", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_TwoClassesSameKeyLabel_Reported()
    {
        var options = Valid();
        options.KeyClasses.Add(new KeyClassOptions { Name = "copy", Provider = "hsm-a", KeyLabel = "confidential-fr", Residency = "fr" });

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("must not share keys", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_NegativeRecycleInterval_Reported()
    {
        var options = Valid();
        options.Providers[0].RecycleModuleAfterObjects = -5;

        var error = Assert.Single(HsmOptionsValidator.Check(options));

        Assert.Contains("RecycleModuleAfterObjects must be 0 (never) or positive", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_NoPinSource_Reported()
    {
        var options = Valid();
        options.Providers[0].PinFile = null;

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("exactly one PIN source", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_PinEnvironmentVariableUnset_Reported()
    {
        var options = Valid();
        options.Providers[0].PinFile = null;
        options.Providers[0].PinEnvironmentVariable = "SOVEREIGNTY_TEST_NOT_SET_" + Guid.NewGuid().ToString("N");

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("is not set", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_ModuleFileMissing_NamesPath()
    {
        var options = Valid();
        options.Providers[0].ModulePath = "/opt/missing/libpkcs11.so";

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("'/opt/missing/libpkcs11.so' does not exist", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_DuplicateProvider_Reported()
    {
        var options = Valid();
        options.Providers.Add(new Pkcs11ProviderOptions { Name = "HSM-A", ModulePath = _file, TokenLabel = "u", PinFile = _file });

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("duplicate provider name", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("")]
    [InlineData("has space")]
    public void Check_BadClassName_Reported(string name)
    {
        var options = Valid();
        options.KeyClasses[0].Name = name;
        options.KeyClasses[0].KeyLabel = "ok";

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("Name must be", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_KeyLabelWithDot_Reported()
    {
        var options = Valid();
        options.KeyClasses[0].KeyLabel = "conf.fr";

        Assert.Contains(HsmOptionsValidator.Check(options), e => e.Contains("KeyLabel 'conf.fr'", StringComparison.Ordinal));
    }

    [Fact]
    public void Check_MissingResidencyAndBadKeySize_ReportsBoth()
    {
        var options = Valid();
        options.KeyClasses[0].Residency = "";
        options.KeyPairs[0].ModulusBits = 1024;

        Assert.Equal(2, HsmOptionsValidator.Check(options).Count);
    }

    [Fact]
    public void ThrowIfInvalid_Invalid_ThrowsConfiguration()
    {
        var options = Valid();
        options.KeyClasses[0].Provider = "nope";

        var error = Assert.Throws<KeyServiceException>(() => HsmOptionsValidator.ThrowIfInvalid(options));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }
}
