using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Tests.Validation;

/// <summary>Every error kind, with the exact <c>file:line:col</c> an editor jumps to.</summary>
public sealed class ValidationErrorTests
{
    private static string[] Errors(TempPolicyDirectory dir, IReadOnlyCollection<KeyClassInfo>? keyClasses = null)
    {
        var result = dir.Load(keyClasses);
        Assert.False(result.Succeeded);
        Assert.Null(result.Policy);
        return [.. result.Errors.Select(e => e.ToString().Replace(dir.Path + Path.DirectorySeparatorChar, string.Empty, StringComparison.Ordinal))];
    }

    private static void AssertErrors(string[] expected, string[] actual) =>
        Assert.Equal(string.Join("\n", expected), string.Join("\n", actual));

    [Fact]
    public void Load_SeveralMistakesInSeveralFiles_ReportsAllWithPositions()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: a
                when:
                  detector: missing
                label: confidential
              - name: b
                colour: red
                when: { sender: internal }
                label: nope
            """);
        dir.Write("detectors.yaml", """
            detectors:
              - name: account
                type: regex
                pattern: 'ACC-(\d{4}'
              - name: salary
                type: keywords
                keywords: [salary]
                min-count: many
            """);

        var errors = Errors(dir);

        AssertErrors(
            [
                "detectors.yaml:4:14: invalid regular expression: Invalid pattern 'ACC-(\\d{4}' at offset 10. Not enough )'s.",
                "detectors.yaml:8:16: 'min-count' must be a whole number, not 'many'",
                "rules.yaml:4:17: undefined detector 'missing'; defined detectors: account, salary",
                "rules.yaml:7:5: unknown key 'colour' in a rule; allowed: name, description, when, label, mode, readers, reason",
                "rules.yaml:9:12: undefined label 'nope' in rule; defined labels: public, internal, confidential, secret",
            ],
            errors);
    }

    [Fact]
    public void Load_UnknownKeyCloseToAllowedOne_SuggestsIt()
    {
        using var dir = TempPolicyDirectory.WithRules("rules:\n  - name: a\n    when: { detector: account }\n    lable: confidential\n");

        var errors = Errors(dir);

        Assert.Contains("rules.yaml:4:5: unknown key 'lable' in a rule (did you mean 'label'?); allowed: name, description, when, label, mode, readers, reason", errors);
        Assert.Contains("rules.yaml:2:5: missing required key 'label'", errors);
    }

    [Fact]
    public void Load_WrongTypes_ReportsEach()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: [a, b]
                when:
                  any: { detector: account }
                label: confidential
                mode: sometimes
            """);

        AssertErrors(
            [
                "rules.yaml:2:11: 'name' must be a single text value, not a list",
                "rules.yaml:4:12: 'any' must be a list of conditions, not a mapping (key: value)",
                "rules.yaml:6:11: 'mode' must be one of enforce, audit-only, not 'sometimes'",
            ],
            Errors(dir));
    }

    [Fact]
    public void Load_DuplicateNamesAndKeys_ReportsSecondOccurrence()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: a
                when: { detector: account }
                label: confidential
              - name: a
                when: { detector: salary }
                label: confidential
                label: secret
            """);
        dir.Write("zz-labels.yaml", "labels:\n  - name: public\n");

        AssertErrors(
            [
                "rules.yaml:5:11: duplicate rule 'a': already defined at rules.yaml:2:11",
                "rules.yaml:8:5: duplicate key 'label': it is already set above in this mapping",
                "zz-labels.yaml:2:11: duplicate label 'public': already defined at labels.yaml:2:11",
            ],
            Errors(dir));
    }

    [Fact]
    public void Load_UnknownKeyClassAndStore_ReportsBoth()
    {
        using var dir = TempPolicyDirectory.WithRules("rules: []");
        dir.Write("labels.yaml", TempPolicyDirectory.Labels.Replace("key-class: standard-eu", "key-class: standard-us", StringComparison.Ordinal));
        dir.Write("actions.yaml", TempPolicyDirectory.Actions.Replace("stores: [store-eu]", "stores: [store-us]", StringComparison.Ordinal));

        AssertErrors(
            [
                "actions.yaml:8:38: undefined store 'store-us'; defined stores: store-fr, store-eu",
                "labels.yaml:4:16: unknown key class 'standard-us'; the gateway provides: standard-eu, confidential-fr",
            ],
            Errors(dir));
    }

    [Fact]
    public void Load_ResidencyMismatch_ReportsKeyClassAndStore()
    {
        using var dir = TempPolicyDirectory.WithRules("rules: []");
        dir.Write("actions.yaml", TempPolicyDirectory.Actions.Replace("confidential: { action: encrypt, stores: [store-fr] }", "confidential: { action: encrypt, stores: [store-fr, store-eu] }", StringComparison.Ordinal));

        var errors = Errors(dir, [new("standard-eu", "EU"), new("confidential-fr", "EU")]);

        AssertErrors(
            [
                "actions.yaml:10:57: residency mismatch: label 'confidential' requires residency 'FR' but store 'store-eu' is in 'EU'",
                "labels.yaml:6:16: residency mismatch: label 'confidential' requires residency 'FR' but key class 'confidential-fr' is in 'EU'",
            ],
            errors);
    }

    [Fact]
    public void Load_RulesThatCanNeverMatch_ReportsEachWithWhy()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: contradictory
                when:
                  all:
                    - sender: internal
                    - sender: external
                label: confidential
              - name: zero-count
                when: { detector: account, min-count: 0 }
                label: confidential
              - name: unreachable-confidence
                when: { detector: salary, min-confidence: 0.9 }
                label: confidential
              - name: mail-path
                when: { channel: mail, path: "/rh/**" }
                label: confidential
            """);

        var errors = Errors(dir);

        Assert.Equal(4, errors.Length);
        Assert.StartsWith("rules.yaml:2:11: rule 'contradictory' can never match: 'sender is internal' (", errors[0], StringComparison.Ordinal);
        Assert.EndsWith("cannot both be true", errors[0], StringComparison.Ordinal);
        Assert.StartsWith("rules.yaml:9:23: 'min-count' must be at least 1, not 0", errors[1], StringComparison.Ordinal);
        Assert.StartsWith("rules.yaml:11:11: rule 'unreachable-confidence' can never match: it asks detector 'salary' for confidence >= 0.9", errors[2], StringComparison.Ordinal);
        Assert.StartsWith("rules.yaml:14:11: rule 'mail-path' can never match: 'document path matches /rh/**'", errors[3], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FirstMatchRuleAfterCatchAll_ReportsShadowedRule()
    {
        using var dir = TempPolicyDirectory.WithRules(
            """
            rules:
              - name: everything
                when: { always: true }
                label: internal
              - name: accounts
                when: { detector: account }
                label: confidential
            """,
            TempPolicyDirectory.Settings.Replace("highest-label", "first-match", StringComparison.Ordinal));

        var error = Assert.Single(Errors(dir));

        Assert.StartsWith("rules.yaml:5:11: rule 'accounts' can never match: under first-match evaluation the catch-all rule 'everything'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_HighestLabelRuleAfterCatchAll_IsValid()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: everything
                when: { always: true }
                label: internal
              - name: accounts
                when: { detector: account }
                label: confidential
            """);

        Assert.True(dir.Load().Succeeded);
    }

    [Fact]
    public void Load_UnknownBuiltInTypeAndBadDetectorCount_ReportsBoth()
    {
        using var dir = TempPolicyDirectory.WithRules("rules: []");
        dir.Write("detectors.yaml", """
            detectors:
              - name: nir
                type: fr-nirr
              - name: words
                type: keywords
                keywords: [a]
                min-count: 0
            """);

        AssertErrors(
            [
                "detectors.yaml:3:11: unknown detector type 'fr-nirr'; use keywords, regex or a built-in type: " + string.Join(", ", Sovereignty.Policies.Detection.BuiltInDetectors.Types),
                "detectors.yaml:7:16: 'min-count' must be at least 1, not 0: with 0 the detector would fire on every mail and document",
            ],
            Errors(dir));
    }

    [Fact]
    public void Load_BadIndentation_ReportsYamlErrorPosition()
    {
        using var dir = TempPolicyDirectory.WithRules("rules:\n  - name: a\n    when: { detector: account }\n   label: confidential\n");

        var error = Assert.Single(Errors(dir));

        Assert.StartsWith("rules.yaml:4:4: YAML syntax error: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_YamlSyntaxError_ReportsPositionAndOtherFilesStillChecked()
    {
        using var dir = TempPolicyDirectory.WithRules("rules:\n  - name: a\n    when: { detector: account\n    label: confidential\n");
        dir.Write("more.yaml", "labels:\n  - name: internal\n");

        var errors = Errors(dir);

        Assert.Contains(errors, e => e.StartsWith("more.yaml:2:11: duplicate label 'internal'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("rules.yaml:3:21: YAML syntax error", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_LabelWithoutActions_FailsClosed()
    {
        using var dir = TempPolicyDirectory.WithRules("rules: []");
        dir.Write("labels-extra.yaml", "labels:\n  - name: top-secret\n");

        AssertErrors(
            [
                "labels-extra.yaml:2:11: label 'top-secret' has no mail action: add it under 'actions: mail:'",
                "labels-extra.yaml:2:11: label 'top-secret' has no document action: add it under 'actions: document:'",
            ],
            Errors(dir));
    }

    [Fact]
    public void Load_BlockWithoutReasonAndEncryptWithoutKeyClass_ReportsBoth()
    {
        using var dir = TempPolicyDirectory.WithRules("rules: []");
        dir.Write("actions.yaml", TempPolicyDirectory.Actions
            .Replace("secret: { action: block, reason: Classified. }\n  document", "secret: { action: block }\n  document", StringComparison.Ordinal)
            .Replace("public: { action: pass, stores: [store-eu] }", "public: { action: encrypt, stores: [store-eu] }", StringComparison.Ordinal));

        AssertErrors(
            [
                "actions.yaml:6:5: mail action 'block' for 'secret' needs a 'reason': the sender reads it in the refusal",
                "actions.yaml:8:5: document action 'encrypt' for 'public' needs a key class: set 'key-class' on label 'public' (labels.yaml:2:11)",
            ],
            Errors(dir));
    }
}
