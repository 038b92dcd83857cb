using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Tests.Loading;

public sealed class PolicyLoaderTests
{
    private const string OneRule = """
        rules:
          - name: accounts
            when:
              detector: account
            label: confidential
        """;

    [Fact]
    public void LoadOrThrow_ValidDirectory_MergesEverySection()
    {
        using var dir = TempPolicyDirectory.WithRules(OneRule);

        var policy = dir.LoadOrThrow();

        Assert.Equal(["public", "internal", "confidential", "secret"], policy.Labels.Select(l => l.Name));
        Assert.Equal([0, 1, 2, 3], policy.Labels.Select(l => l.Rank));
        Assert.Equal("internal", policy.DefaultLabel.Name);
        Assert.Equal("confidential-fr", policy.LabelsByName["confidential"].KeyClass);
        Assert.Equal(["account", "salary"], policy.Detectors.Select(d => d.Name));
        Assert.Equal("accounts", Assert.Single(policy.Rules).Name);
        Assert.Equal(PolicyAction.SignAndEncrypt, policy.MailActions["confidential"].Action);
        Assert.Equal(MissingCertificateBehaviour.EscrowOnly, policy.MailActions["confidential"].MissingCertificate);
        Assert.Equal(["store-fr"], policy.DocumentActions["confidential"].Stores);
        Assert.Equal(["example.fr"], policy.Organisation.InternalDomains);
        Assert.Equal(["actions.yaml", "detectors.yaml", "labels.yaml", "policy.yaml", "rules.yaml"], policy.Files);
        Assert.StartsWith("sha256:", policy.Version, StringComparison.Ordinal);
        Assert.Equal(71, policy.Version.Length);
    }

    [Fact]
    public void LoadOrThrow_RulesInSeveralFiles_ConcatenatedInFileNameOrder()
    {
        using var dir = TempPolicyDirectory.WithRules(OneRule);
        dir.Write("rules-0-first.yaml", "rules:\n  - name: early\n    when: { sender: external }\n    label: public\n");
        dir.Write("rules-9-last.yaml", "rules:\n  - name: late\n    when: { sender: internal }\n    label: public\n");

        var policy = dir.LoadOrThrow();

        Assert.Equal(["early", "late", "accounts"], policy.Rules.Select(r => r.Name));
    }

    [Fact]
    public void Load_SameTextWithCrLfAndBom_SameVersion()
    {
        using var unix = TempPolicyDirectory.WithRules(OneRule);
        using var windows = TempPolicyDirectory.WithRules(OneRule);
        File.WriteAllText(windows.FileName("rules.yaml"), "\uFEFF" + OneRule.Replace("\n", "\r\n", StringComparison.Ordinal));

        Assert.Equal(unix.LoadOrThrow().Version, windows.LoadOrThrow().Version);
    }

    [Fact]
    public void Load_ChangedRule_DifferentVersion()
    {
        using var dir = TempPolicyDirectory.WithRules(OneRule);
        var before = dir.LoadOrThrow().Version;

        dir.Write("rules.yaml", OneRule.Replace("confidential", "secret", StringComparison.Ordinal));

        Assert.NotEqual(before, dir.LoadOrThrow().Version);
    }

    [Fact]
    public void Load_NoPolicyFiles_ReportsDirectoryError()
    {
        using var dir = new TempPolicyDirectory();
        dir.Write("README.txt", "not a policy");

        var result = dir.Load();

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Errors);
        Assert.Equal($"{dir.Path}:1:1: no policy files (*.yaml, *.yml) in this directory", error.ToString());
    }

    [Fact]
    public void LoadOrThrow_InvalidPolicy_ThrowsWithEveryError()
    {
        using var dir = TempPolicyDirectory.WithRules("rules:\n  - name: a\n    when: { detector: nope }\n    label: nope\n");

        var ex = Assert.Throws<PolicyValidationException>(dir.LoadOrThrow);

        Assert.Equal(2, ex.Errors.Count);
        Assert.Contains("undefined detector 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("undefined label 'nope'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithoutKeyClassList_SkipsKeyClassChecks()
    {
        using var dir = TempPolicyDirectory.WithRules(OneRule);

        var result = new Sovereignty.Policies.Loading.PolicyLoader(null, TestDetectors.Factory).Load(dir.Path);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
    }
}
