using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;
using Sovereignty.Proxy.Identity;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// <see cref="IDocumentPolicy"/> over Sovereignty.Policies: extracts the inspected window
/// (document formats, archives, labels), evaluates it on the document channel, and maps
/// the applied outcome (audit-only rules already resolved by the evaluator) to an upload
/// action. Reads are decided by the readers recorded in the envelope at upload (the rule's
/// readers, else the label's), falling back to the label's current readers.
/// </summary>
/// <remarks>
/// Beyond the window: an upload longer than the inspection window is classified on its first
/// bytes and reported to the policy as unscannable content (<see cref="UnscannableReason.LimitExceeded"/>),
/// so rules on <c>unscannable: true</c> decide it; the sample policy makes it
/// <c>confidentiel</c>, encrypted with a key in France. A mail-only action on the document
/// channel is never taken as "pass": without a key class it blocks.
/// </remarks>
internal sealed class PolicyDocumentPolicy(IPolicySource source, ContentExtractor extractor) : IDocumentPolicy
{
    public bool IsLoaded => source.Current is not null;

    public ValueTask<UploadDecision> DecideUploadAsync(UploadSample sample, CallerIdentity caller, CancellationToken cancellationToken)
    {
        CompiledPolicy policy = source.Current ?? throw new InvalidOperationException("No policy is loaded.");
        // The window's own buffer, not a copy of it: with large windows every copy counts.
        ExtractedContent content = extractor.ExtractDocument(sample.Content, sample.FileName, sample.ContentType, cancellationToken);

        var unscannable = content.Unscannable.ToList();
        if (!sample.IsComplete)
        {
            unscannable.Add(new UnscannableContent("document:" + sample.FileName, UnscannableReason.LimitExceeded,
                $"only the first {sample.Content.Length} bytes were inspected"));
        }

        var userLabels = content.UserLabels.ToList();
        if (!string.IsNullOrWhiteSpace(sample.DeclaredLabel))
        {
            userLabels.Add(new UserLabel("header", sample.DeclaredLabel, "header:" + DocumentUploadHandler.LabelHeader));
        }

        var request = new ClassificationRequest(Channel.Document, content with { Unscannable = unscannable, UserLabels = userLabels })
        {
            Sender = caller.Subject,
            DocumentPath = sample.Path,
            FileName = sample.FileName,
            ContentType = sample.ContentType,
        };
        return ValueTask.FromResult(Decide(policy, request, cancellationToken));
    }

    public UploadDecision DecideByPath(string path, CallerIdentity caller)
    {
        CompiledPolicy policy = source.Current ?? throw new InvalidOperationException("No policy is loaded.");
        // No parts and nothing unscannable: only the path, file name and channel rules can match.
        var nothing = new ExtractedContent([], [], [], []);
        var request = new ClassificationRequest(Channel.Document, nothing)
        {
            Sender = caller.Subject,
            DocumentPath = path,
            FileName = path[(path.LastIndexOf('/') + 1)..],
        };
        return Decide(policy, request, CancellationToken.None);
    }

    private static UploadDecision Decide(CompiledPolicy policy, ClassificationRequest request, CancellationToken cancellationToken)
    {
        PolicyDecision decision = PolicyEvaluator.Evaluate(policy, request, cancellationToken);
        DecisionOutcome applied = decision.Applied;
        UploadAction action = applied.Action switch
        {
            PolicyAction.Pass => UploadAction.Pass,
            PolicyAction.Block => UploadAction.Block,
            _ when applied.KeyClass is not null => UploadAction.Encrypt,
            _ => UploadAction.Block,
        };
        return new UploadDecision(
            action,
            applied.Label,
            applied.KeyClass,
            applied.AllowedStores,
            applied.Rule ?? "default-label",
            applied.BlockMessage,
            decision.PolicyVersion,
            applied.Readers.Groups,
            applied.Readers.Subjects);
    }

    public ReadDecision DecideRead(CallerIdentity caller, EnvelopeHeaderInfo? header)
    {
        CompiledPolicy? policy = source.Current;
        string version = policy?.Version ?? "none";
        if (header is null)
        {
            // Stored in clear: the policy let it leave unprotected, so any authenticated caller reads it.
            return new ReadDecision(true, "clear-object", null, version);
        }

        string label = header.Label ?? string.Empty;
        IReadOnlyList<string> groups = header.ReaderGroups;
        IReadOnlyList<string> subjects = header.ReaderSubjects;
        string rule = "envelope-readers:" + label;
        if (groups.Count == 0 && subjects.Count == 0 && policy is not null && policy.LabelsByName.TryGetValue(label, out LabelDefinition? definition))
        {
            (groups, subjects, rule) = (definition.Readers.Groups, definition.Readers.Subjects, "label-readers:" + label);
        }

        bool allowed = subjects.Contains(caller.Subject, StringComparer.Ordinal) || groups.Any(caller.IsInGroup);
        return new ReadDecision(allowed, rule,
            allowed ? null : $"Documents labelled '{label}' here may be read only by {Describe(groups, subjects)}; '{caller.Subject}' is not among them. Ask the document's owner or your security officer.",
            version);
    }

    private static string Describe(IReadOnlyList<string> groups, IReadOnlyList<string> subjects) =>
        groups.Count == 0 && subjects.Count == 0
            ? "nobody"
            : string.Join(" or ", new[]
            {
                groups.Count > 0 ? "members of " + string.Join(", ", groups) : null,
                subjects.Count > 0 ? string.Join(", ", subjects) : null,
            }.Where(part => part is not null));
}
