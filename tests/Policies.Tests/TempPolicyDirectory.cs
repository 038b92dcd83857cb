using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Tests;

/// <summary>A policy directory in a fresh temp folder, deleted at the end of the test.</summary>
public sealed class TempPolicyDirectory : IDisposable
{
    public const string Settings = """
        policy:
          name: test
          evaluation: highest-label
          default-label: internal
        organisation:
          name: Test Org
          internal-domains: [example.fr]
          escrow-identity: escrow
          signing-identity: signer
          blocked-mail-contact: security@example.fr
        stores:
          - name: store-fr
            residency: FR
          - name: store-eu
            residency: EU
        """;

    public const string Labels = """
        labels:
          - name: public
          - name: internal
            key-class: standard-eu
          - name: confidential
            key-class: confidential-fr
            residency: FR
          - name: secret
        user-labels:
          - source: marking
            values: [Secret]
            label: secret
          - source: subject-tag
            values: [CONFIDENTIAL]
            label: confidential
        """;

    public const string Detectors = """
        detectors:
          - name: account
            type: regex
            pattern: 'ACC-\d{4}'
            confidence: 0.9
          - name: salary
            type: keywords
            keywords: [salary, payslip]
            confidence: 0.5
        """;

    public const string Actions = """
        actions:
          mail:
            public: { action: pass }
            internal: { action: sign }
            confidential: { action: sign-encrypt, missing-certificate: escrow-only }
            secret: { action: block, reason: Classified. }
          document:
            public: { action: pass, stores: [store-eu] }
            internal: { action: encrypt, stores: [store-eu, store-fr] }
            confidential: { action: encrypt, stores: [store-fr] }
            secret: { action: block, reason: Classified. }
        """;

    public static readonly IReadOnlyList<KeyClassInfo> KeyClasses =
    [
        new("standard-eu", "EU"),
        new("confidential-fr", "FR"),
    ];

    public TempPolicyDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "policy-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>A complete valid policy with the given rules file content.</summary>
    public static TempPolicyDirectory WithRules(string rules, string? settings = null)
    {
        var dir = new TempPolicyDirectory();
        dir.Write("actions.yaml", Actions);
        dir.Write("detectors.yaml", Detectors);
        dir.Write("labels.yaml", Labels);
        dir.Write("policy.yaml", settings ?? Settings);
        dir.Write("rules.yaml", rules);
        return dir;
    }

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public string FileName(string name) => System.IO.Path.Combine(Path, name);

    public PolicyLoadResult Load(IReadOnlyCollection<KeyClassInfo>? keyClasses = null) =>
        new PolicyLoader(keyClasses ?? KeyClasses, TestDetectors.Factory).Load(Path);

    public CompiledPolicy LoadOrThrow() =>
        new PolicyLoader(KeyClasses, TestDetectors.Factory).LoadOrThrow(Path);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A watcher in a reload test may still hold a handle for a moment; the temp folder is reclaimed later.
        }
    }
}

/// <summary>The detector factory the tests use: the production one, with the real built-in detectors.</summary>
public static class TestDetectors
{
    public static IDetectorFactory Factory => DetectorFactory.Default;
}
