using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Testing;

namespace Sovereignty.Policies.Tests.Samples;

/// <summary>The shipped sample policy (policies/) is valid and passes its own test file.</summary>
public sealed class SamplePolicyTests
{
    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sovereignty.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Sovereignty.sln not found above " + AppContext.BaseDirectory);
    }

    internal static string PolicyDirectory => Path.Combine(RepositoryRoot(), "policies");

    [Fact]
    public void Load_SamplePolicyWithItsKeyClasses_IsValid()
    {
        var keyClasses = KeyClassList.Parse(File.ReadAllText(Path.Combine(PolicyDirectory, "key-classes.txt")));

        var result = new PolicyLoader(keyClasses, TestDetectors.Factory).Load(PolicyDirectory);

        Assert.True(result.Succeeded, string.Join(Environment.NewLine, result.Errors));
        Assert.Equal(["public", "interne", "confidentiel", "diffusion-restreinte", "secret"], result.Policy!.Labels.Select(l => l.Name));
    }

    [Fact]
    public void Run_SamplePolicyTestFile_EveryExpectationPasses()
    {
        var policy = new PolicyLoader(null, TestDetectors.Factory).LoadOrThrow(PolicyDirectory);
        var (cases, errors) = PolicyTestFileReader.Read(Path.Combine(PolicyDirectory, "tests", "groupe-la-poste.yaml"));
        Assert.Empty(errors);

        var results = new PolicyTestRunner(new SampleReader(new ContentExtractor())).Run(policy, cases);

        Assert.Equal(17, results.Count);
        var failed = results.Where(r => !r.Passed).Select(r => $"{r.Case.Name}: {string.Join("; ", r.Failures)}");
        Assert.Empty(failed);
    }

    [Fact]
    public void Run_WrongExpectation_ReportsExpectedAndActual()
    {
        using var dir = new TempPolicyDirectory();
        var testFile = dir.Write("t.yaml", $"""
            tests:
              - name: wrong
                sample: {Path.Combine(PolicyDirectory, "samples", "reunion-interne.eml")}
                expect: {"{"} label: secret, action: block, rule: default {"}"}
            """);
        var policy = new PolicyLoader(null, TestDetectors.Factory).LoadOrThrow(PolicyDirectory);
        var (cases, errors) = PolicyTestFileReader.Read(testFile);
        Assert.Empty(errors);

        var result = Assert.Single(new PolicyTestRunner(new SampleReader(new ContentExtractor())).Run(policy, cases));

        Assert.False(result.Passed);
        Assert.Equal(["label: expected secret, got interne", "action: expected block, got sign"], result.Failures);
    }

    [Fact]
    public void Read_TestFileMistakes_ReportedWithPositions()
    {
        using var dir = new TempPolicyDirectory();
        var testFile = dir.Write("t.yaml", """
            tests:
              - name: a
                sample: missing.eml
                expect: { label: x }
              - name: b
                sample: missing.eml
                expect: { action: explode, colour: red }
            """);

        var (cases, errors) = PolicyTestFileReader.Read(testFile);

        Assert.Empty(cases);
        Assert.Equal(
            [
                $"{testFile}:3:13: sample file not found: {dir.FileName("missing.eml")}",
                $"{testFile}:6:13: sample file not found: {dir.FileName("missing.eml")}",
                $"{testFile}:7:23: 'action' must be one of pass, sign, encrypt, sign-encrypt, block, not 'explode'",
                $"{testFile}:7:32: unknown key 'colour' in 'expect'; allowed: label, action, rule, key-class, mode, applied-action",
            ],
            errors.Select(e => e.ToString()));
    }
}
