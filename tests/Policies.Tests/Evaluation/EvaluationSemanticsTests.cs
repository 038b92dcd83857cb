using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Tests.Evaluation;

public sealed class EvaluationSemanticsTests
{
    private const string Rules = """
        rules:
          - name: accounts
            when: { detector: account }
            label: confidential
          - name: classified
            when: { user-label: secret }
            label: secret
            reason: Classified information never leaves.
          - name: payroll-words
            when: { detector: salary, min-count: 2 }
            label: confidential
            mode: audit-only
          - name: to-partner
            when: { recipient-domain: partner.com }
            label: public
          - name: unreadable
            when: { unscannable: true, reasons: [encrypted] }
            label: confidential
          - name: hr-folder
            when: { channel: document, path: "/sites/hr/**" }
            label: confidential
            readers: { groups: [HR] }
          - name: external-with-account
            when:
              all:
                - detector: account
                  min-count: 2
                - recipients: any-external
                - not: { sender-domain: trusted.example.fr }
            label: secret
        """;

    private static ClassificationRequest Mail(string body, params string[] recipients) =>
        new(Channel.Mail, Content(body))
        {
            Sender = "alice@example.fr",
            Recipients = recipients.Length == 0 ? ["bob@example.fr"] : recipients,
        };

    internal static ExtractedContent Content(string body, IReadOnlyList<UserLabel>? labels = null, IReadOnlyList<UnscannableContent>? unscannable = null) =>
        new([new ContentPart("body", "text/plain", body)], unscannable ?? [], labels ?? [], []);

    [Fact]
    public void Evaluate_NoRuleMatches_DefaultLabelAndItsAction()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();

        var decision = PolicyEvaluator.Evaluate(policy, Mail("Lunch at noon?"));

        Assert.Equal("internal", decision.Label);
        Assert.Equal(PolicyAction.Sign, decision.Action);
        Assert.Null(decision.Rule);
        Assert.Equal(PolicyMode.Enforce, decision.Mode);
        Assert.Null(decision.WouldHave);
        Assert.Equal(policy.Version, decision.PolicyVersion);
        Assert.Contains("no rule matched: default label 'internal'", decision.Reasons);
    }

    [Fact]
    public void Evaluate_HighestLabel_MostSensitiveMatchingRuleWins()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();
        var request = Mail("Account ACC-1234", "carol@partner.com") with
        {
            Content = Content("Account ACC-1234", [new UserLabel("marking", "SECRET", "body")]),
        };

        var decision = PolicyEvaluator.Evaluate(policy, request);

        Assert.Equal("secret", decision.Label);
        Assert.Equal("classified", decision.Rule);
        Assert.Equal(PolicyAction.Block, decision.Action);
        Assert.Equal("Classified information never leaves. (rule classified) Contact: security@example.fr", decision.Applied.BlockMessage);
        var honoured = Assert.Single(decision.UserLabels);
        Assert.Equal(("marking", "SECRET", "secret"), (honoured.Source, honoured.Value, honoured.Label));
    }

    [Fact]
    public void Evaluate_FirstMatch_EarliestMatchingRuleWins()
    {
        using var dir = TempPolicyDirectory.WithRules(
            Rules,
            TempPolicyDirectory.Settings.Replace("highest-label", "first-match", StringComparison.Ordinal));
        var policy = dir.LoadOrThrow();
        var request = Mail("Account ACC-1234") with
        {
            Content = Content("Account ACC-1234", [new UserLabel("marking", "Secret", "body")]),
        };

        var decision = PolicyEvaluator.Evaluate(policy, request);

        Assert.Equal("confidential", decision.Label);
        Assert.Equal("accounts", decision.Rule);
        Assert.Equal(PolicyAction.SignAndEncrypt, decision.Action);
        Assert.Equal(MissingCertificateBehaviour.EscrowOnly, decision.Applied.MissingCertificate);
        Assert.Equal("Message protégé", decision.Applied.PlaceholderSubject);
    }

    [Fact]
    public void Evaluate_HitsReported_WithoutMatchedValues()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var decision = PolicyEvaluator.Evaluate(dir.LoadOrThrow(), Mail("ACC-1234 and ACC-9876"));

        var hit = Assert.Single(decision.Hits);
        Assert.Equal(("account", "regex", "body", 2), (hit.Detector, hit.Type, hit.Location, hit.Count));
        Assert.DoesNotContain(decision.Reasons, r => r.Contains("ACC-", StringComparison.Ordinal));
        Assert.Contains("detector 'account' fired 2 time(s) in body", decision.Reasons);
    }

    [Fact]
    public void Evaluate_AuditOnlyRule_AppliedUnchangedButWouldHaveReported()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);

        var decision = PolicyEvaluator.Evaluate(dir.LoadOrThrow(), Mail("Your payslip and salary review"));

        Assert.Equal("internal", decision.Label);
        Assert.Equal(PolicyAction.Sign, decision.Action);
        Assert.Equal(PolicyMode.AuditOnly, decision.Mode);
        Assert.NotNull(decision.WouldHave);
        Assert.Equal(("confidential", PolicyAction.SignAndEncrypt, "payroll-words"), (decision.WouldHave.Label, decision.WouldHave.Action, decision.WouldHave.Rule));
        Assert.Equal(decision.WouldHave, decision.Outcome);
    }

    [Fact]
    public void Evaluate_AuditOnlyRuleOutrankedByEnforcedRule_ModeEnforce()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);

        var decision = PolicyEvaluator.Evaluate(dir.LoadOrThrow(), Mail("payslip salary ACC-1234"));

        Assert.Equal("accounts", decision.Rule);
        Assert.Equal(PolicyMode.Enforce, decision.Mode);
    }

    [Fact]
    public void Evaluate_WholePolicyAuditOnly_PassesAndReportsWouldHave()
    {
        using var dir = TempPolicyDirectory.WithRules(
            Rules,
            TempPolicyDirectory.Settings.Replace("evaluation: highest-label", "evaluation: highest-label\n  mode: audit-only", StringComparison.Ordinal));

        var decision = PolicyEvaluator.Evaluate(dir.LoadOrThrow(), Mail("ACC-1234"));

        Assert.Equal(PolicyAction.Pass, decision.Action);
        Assert.Null(decision.KeyClass);
        Assert.Equal(PolicyMode.AuditOnly, decision.Mode);
        Assert.Equal(("confidential", PolicyAction.SignAndEncrypt), (decision.Outcome.Label, decision.Outcome.Action));
        Assert.Contains("the whole policy is audit-only: nothing is enforced, content passes unchanged", decision.Reasons);
    }

    [Theory]
    [InlineData("bob@example.fr", "internal")]
    [InlineData("bob@mail.example.fr", "internal")]
    [InlineData("carol@partner.com", "public")]
    [InlineData("carol@sub.partner.com", "public")]
    [InlineData("carol@notpartner.com", "internal")]
    public void Evaluate_RecipientDomain_MatchesDomainAndSubdomains(string recipient, string label)
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);

        Assert.Equal(label, PolicyEvaluator.Evaluate(dir.LoadOrThrow(), Mail("hello", recipient)).Label);
    }

    [Theory]
    [InlineData("alice@example.fr", new[] { "x@outside.org" }, "secret")]
    [InlineData("alice@example.fr", new[] { "bob@example.fr", "c@sub.example.fr" }, "confidential")]
    [InlineData("alice@trusted.example.fr", new[] { "x@outside.org" }, "confidential")]
    public void Evaluate_InternalExternalAndNot_CombineAsWritten(string sender, string[] recipients, string label)
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var request = Mail("ACC-1111 ACC-2222", recipients) with { Sender = sender };

        Assert.Equal(label, PolicyEvaluator.Evaluate(dir.LoadOrThrow(), request).Label);
    }

    [Fact]
    public void Evaluate_UnscannableWithMatchingReason_FailsClosed()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();
        var encrypted = Mail("see attached") with
        {
            Content = Content("see attached", unscannable: [new UnscannableContent("attachment:a.zip", UnscannableReason.Encrypted, "password-protected")]),
        };
        var corrupt = Mail("see attached") with
        {
            Content = Content("see attached", unscannable: [new UnscannableContent("attachment:a.pdf", UnscannableReason.Corrupt, "bad xref")]),
        };

        var decision = PolicyEvaluator.Evaluate(policy, encrypted);

        Assert.Equal(("confidential", "unreadable"), (decision.Label, decision.Rule));
        Assert.Contains("could not scan attachment:a.zip: Encrypted", decision.Reasons);
        Assert.Equal("internal", PolicyEvaluator.Evaluate(policy, corrupt).Label);
    }

    [Fact]
    public void Evaluate_DocumentInHrFolder_EncryptedWithKeyClassForHrOnly()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var request = new ClassificationRequest(Channel.Document, Content("Planning"))
        {
            DocumentPath = "/sites/HR/payroll/2026/november.xlsx",
        };

        var decision = PolicyEvaluator.Evaluate(dir.LoadOrThrow(), request);

        Assert.Equal(("confidential", PolicyAction.Encrypt, "confidential-fr"), (decision.Label, decision.Action, decision.KeyClass));
        Assert.Equal(["HR"], decision.Applied.Readers.Groups);
        Assert.Equal(["store-fr"], decision.Applied.AllowedStores);
    }

    [Theory]
    [InlineData("context:\n      words: [dossier client]\n      within: 20\n      required: true")]
    [InlineData("context:\n      words: [dossier client]\n      within: 20\n    min-confidence: 0.8")]
    public void Evaluate_ContextWordsRequiredOrRaisingConfidence_FilterHits(string contextSettings)
    {
        using var dir = TempPolicyDirectory.WithRules(
            "rules:\n  - name: r\n    when: { detector: ref }\n    label: confidential\n");
        dir.Write("detectors.yaml", TempPolicyDirectory.Detectors + "\n  - name: ref\n    type: regex\n    pattern: 'REF\\d{3}'\n    " + contextSettings + "\n");
        var policy = dir.LoadOrThrow();

        Assert.Equal("internal", PolicyEvaluator.Evaluate(policy, Mail("REF123 is a part number, nothing about any customer file")).Label);
        Assert.Equal("confidential", PolicyEvaluator.Evaluate(policy, Mail("Le DOSSIER  CLIENT REF123 est clos")).Label);
    }

    [Fact]
    public void Explain_EveryRuleTraced_WithRolesAndConditionDetails()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);

        var trace = PolicyEvaluator.Explain(dir.LoadOrThrow(), Mail("ACC-1234", "x@outside.org"));

        Assert.Equal(7, trace.Rules.Count);
        var accounts = trace.Rules.Single(r => r.Rule == "accounts");
        Assert.True(accounts.Matched);
        Assert.Equal("decided", accounts.Role);
        Assert.Equal("1 hit(s) in body ×1", accounts.Condition.Detail);
        var external = trace.Rules.Single(r => r.Rule == "external-with-account");
        Assert.False(external.Matched);
        Assert.Equal([false, true, true], external.Condition.Children.Select(c => c.Matched));
    }
}
