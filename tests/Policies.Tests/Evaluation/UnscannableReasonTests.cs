using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Tests.Evaluation;

/// <summary>Each unscannable reason has its own name in rules; "unsupported" is no longer reported as "corrupt".</summary>
public sealed class UnscannableReasonTests
{
    private const string Rules = """
        rules:
          - name: unsupported-format
            when: { unscannable: true, reasons: [unsupported] }
            label: confidential
          - name: corrupt-file
            when: { unscannable: true, reasons: [corrupt] }
            label: secret
        """;

    [Theory]
    [InlineData(UnscannableReason.Encrypted, "encrypted")]
    [InlineData(UnscannableReason.LimitExceeded, "limit-exceeded")]
    [InlineData(UnscannableReason.Corrupt, "corrupt")]
    [InlineData(UnscannableReason.Unsupported, "unsupported")]
    public void ReasonName_EachReason_ItsOwnName(UnscannableReason reason, string name)
    {
        Assert.Equal(name, MatchContext.ReasonName(reason));
    }

    [Fact]
    public void ReasonName_EveryReason_DistinctNames()
    {
        var names = Enum.GetValues<UnscannableReason>().Select(MatchContext.ReasonName).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Evaluate_UnsupportedAttachment_MatchesUnsupportedRuleNotCorruptRule()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();

        var decision = PolicyEvaluator.Evaluate(policy, Mail(new UnscannableContent("attachment:old.doc", UnscannableReason.Unsupported, "legacy binary Office (OLE) document")));

        Assert.Equal(("unsupported-format", "confidential"), (decision.Rule, decision.Label));
    }

    [Fact]
    public void Evaluate_CorruptAttachment_DoesNotMatchUnsupportedRule()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();

        var decision = PolicyEvaluator.Evaluate(policy, Mail(new UnscannableContent("attachment:a.pdf", UnscannableReason.Corrupt, "bad xref")));

        Assert.Equal(("corrupt-file", "secret"), (decision.Rule, decision.Label));
    }

    [Fact]
    public void Evaluate_RealLegacyOfficeFile_ExtractedAsUnsupportedAndMatched()
    {
        using var dir = TempPolicyDirectory.WithRules(Rules);
        var policy = dir.LoadOrThrow();
        byte[] ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[504]];
        var content = new ContentExtractor().ExtractDocument(new MemoryStream(ole), "ancien.doc", "application/msword");

        var decision = PolicyEvaluator.Evaluate(policy, new ClassificationRequest(Channel.Document, content) { DocumentPath = "/docs/ancien.doc" });

        Assert.Equal(UnscannableReason.Unsupported, Assert.Single(content.Unscannable).Reason);
        Assert.Equal("unsupported-format", decision.Rule);
    }

    [Fact]
    public void Load_UnknownReason_ErrorListsUnsupportedAmongAllowed()
    {
        using var dir = TempPolicyDirectory.WithRules("""
            rules:
              - name: r
                when: { unscannable: true, reasons: [unreadable] }
                label: confidential
            """);

        var error = Assert.Single(dir.Load().Errors);

        Assert.Contains("allowed: encrypted, limit-exceeded, corrupt, unsupported", error.Message, StringComparison.Ordinal);
    }

    private static ClassificationRequest Mail(UnscannableContent unscannable) =>
        new(Channel.Mail, EvaluationSemanticsTests.Content("see attached", unscannable: [unscannable]))
        {
            Sender = "alice@example.fr",
            Recipients = ["bob@example.fr"],
        };
}
