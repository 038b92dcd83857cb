using System.CommandLine;
using Sovereignty.Proxy.Cli;

namespace Sovereignty.Proxy.Tests.Cli;

/// <summary>Exit codes and output of <c>sovereignty policy validate|test|explain</c>, run in-process.</summary>
public sealed class PolicyCommandsTests : IDisposable
{
    private readonly string _temp = Path.Combine(Path.GetTempPath(), "policy-cli-" + Guid.NewGuid().ToString("N"));

    public PolicyCommandsTests()
    {
        Directory.CreateDirectory(_temp);
    }

    private static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sovereignty.sln")))
            {
                dir = dir.Parent;
            }

            return dir!.FullName;
        }
    }

    private static string Policies => Path.Combine(Root, "policies");

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = SovereigntyCli.Build().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private string CopyPolicy()
    {
        var copy = Path.Combine(_temp, "policy");
        Directory.CreateDirectory(copy);
        foreach (var file in Directory.EnumerateFiles(Policies, "*.yaml"))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        return copy;
    }

    [Fact]
    public void Validate_SamplePolicyWithKeyClasses_ExitsZero()
    {
        var (exit, output, error) = Run("policy", "validate", Policies, "--key-classes", Path.Combine(Policies, "key-classes.txt"));

        Assert.Equal(0, exit);
        Assert.Contains("OK: Groupe La Poste", output, StringComparison.Ordinal);
        Assert.DoesNotContain("key classes not checked", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public void Validate_InvalidPolicy_ExitsOneAndPrintsEveryError()
    {
        var dir = CopyPolicy();
        var rules = Path.Combine(dir, "rules.yaml");
        File.WriteAllText(rules, File.ReadAllText(rules)
            .Replace("detector: nir\n", "detector: nirr\n", StringComparison.Ordinal)
            .Replace("\n    label: public\n", "\n    label: publique\n", StringComparison.Ordinal));

        var (exit, _, error) = Run("policy", "validate", dir);

        Assert.Equal(1, exit);
        Assert.Contains($"{rules}:", error, StringComparison.Ordinal);
        Assert.Contains("undefined detector 'nirr'", error, StringComparison.Ordinal);
        Assert.Contains("undefined label 'publique'", error, StringComparison.Ordinal);
        Assert.Contains("2 error(s); the policy was not accepted.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_KeyClassesFromGatewayConfig_UnknownClassExitsOne()
    {
        var config = Path.Combine(_temp, "appsettings.json");
        File.WriteAllText(config, """
            { "Sovereignty": { "Hsm": { "KeyClasses": [
              { "Name": "interne-eu", "Residency": "eu" },
              { "Name": "confidentiel-fr", "Residency": "fr" } ] } } }
            """);

        var (exit, _, error) = Run("policy", "validate", Policies, "--config", config);

        Assert.Equal(1, exit);
        Assert.Contains("unknown key class 'diffusion-restreinte-fr'; the gateway provides: interne-eu, confidentiel-fr", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MalformedKeyClassList_ExitsTwo()
    {
        var (exit, _, error) = Run("policy", "validate", Policies, "--key-classes", "confidentiel-fr");

        Assert.Equal(2, exit);
        Assert.Contains("'confidentiel-fr' is not a key class", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_SamplePolicyOwnTests_ExitsZeroWithPassTable()
    {
        var (exit, output, _) = Run("policy", "test", Policies);

        Assert.Equal(0, exit);
        Assert.Contains("17 passed, 0 failed, 17 total", output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_FailedExpectation_ExitsOneAndShowsIt()
    {
        var tests = Path.Combine(_temp, "wrong.yaml");
        File.WriteAllText(tests, $"""
            tests:
              - name: NIR should be secret (it is not)
                sample: {Path.Combine(Policies, "samples", "nir-vers-partenaire.eml")}
                expect: {"{"} label: secret {"}"}
            """);

        var (exit, output, _) = Run("policy", "test", Policies, "--tests", tests);

        Assert.Equal(1, exit);
        Assert.Contains("FAIL    NIR should be secret (it is not)", output, StringComparison.Ordinal);
        Assert.Contains("✗ label: expected secret, got confidentiel", output, StringComparison.Ordinal);
        Assert.Contains("0 passed, 1 failed, 1 total", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_SamplesWithoutExpectations_PrintDecisionsAndExitZero()
    {
        var (exit, output, _) = Run("policy", "test", Policies, Path.Combine(Policies, "samples", "note-tres-secret.eml"));

        Assert.Equal(0, exit);
        Assert.Contains("label: secret  action: block  rule: information-classifiee", output, StringComparison.Ordinal);
        Assert.Contains("message to the sender: ", output, StringComparison.Ordinal);
        Assert.Contains("Contact: rssi-messagerie@laposte.fr", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_MissingSample_ExitsTwo()
    {
        var (exit, _, error) = Run("policy", "test", Policies, Path.Combine(_temp, "absent.eml"));

        Assert.Equal(2, exit);
        Assert.Contains("sample not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_NirSample_ShowsStepsButNeverTheNumber()
    {
        var (exit, output, _) = Run("policy", "explain", Policies, Path.Combine(Policies, "samples", "nir-vers-partenaire.eml"));

        Assert.Equal(0, exit);
        Assert.Contains("nir (fr-nir): 1 in body", output, StringComparison.Ordinal);
        Assert.Contains("[3] donnees-personnelles-et-bancaires → confidentiel: decided", output, StringComparison.Ordinal);
        Assert.DoesNotContain("1 85 05 78 006 084 91", output, StringComparison.Ordinal);
        Assert.DoesNotContain("185057800608491", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_InvalidPolicy_ExitsOne()
    {
        var dir = CopyPolicy();
        File.WriteAllText(Path.Combine(dir, "extra.yaml"), "rules: [ {");

        var (exit, _, error) = Run("policy", "explain", dir, Path.Combine(Policies, "samples", "nir-vers-partenaire.eml"));

        Assert.Equal(1, exit);
        Assert.Contains("extra.yaml:2:1: YAML syntax error", error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_temp, recursive: true);
}
