using Sovereignty.Policies.Evaluation;

namespace Sovereignty.Policies.Model;

/// <summary>
/// A validated policy, ready to evaluate. Immutable: the hot-reload provider swaps whole
/// instances, so one classification always sees one consistent policy.
/// </summary>
public sealed class CompiledPolicy
{
    internal CompiledPolicy(
        string name,
        string version,
        PolicyMode mode,
        RuleSemantics semantics,
        OrganisationSettings organisation,
        IReadOnlyList<LabelDefinition> labels,
        LabelDefinition defaultLabel,
        IReadOnlyList<DocumentStore> stores,
        IReadOnlyList<UserLabelMapping> userLabels,
        IReadOnlyList<CompiledDetector> detectors,
        IReadOnlyList<RuleDefinition> rules,
        IReadOnlyDictionary<string, MailActionDefinition> mailActions,
        IReadOnlyDictionary<string, DocumentActionDefinition> documentActions,
        IReadOnlyList<string> files)
    {
        Name = name;
        Version = version;
        Mode = mode;
        Semantics = semantics;
        Organisation = organisation;
        Labels = labels;
        DefaultLabel = defaultLabel;
        Stores = stores;
        UserLabels = userLabels;
        CompiledDetectors = detectors;
        Rules = rules;
        MailActions = mailActions;
        DocumentActions = documentActions;
        Files = files;
        LabelsByName = labels.ToDictionary(l => l.Name, StringComparer.Ordinal);
    }

    public string Name { get; }

    /// <summary><c>sha256:</c> + the hex SHA-256 of the normalised policy file set.</summary>
    public string Version { get; }

    /// <summary>The whole policy's mode; rules may be audit-only on their own.</summary>
    public PolicyMode Mode { get; }

    public RuleSemantics Semantics { get; }

    public OrganisationSettings Organisation { get; }

    /// <summary>Labels from least to most sensitive.</summary>
    public IReadOnlyList<LabelDefinition> Labels { get; }

    public IReadOnlyDictionary<string, LabelDefinition> LabelsByName { get; }

    /// <summary>The label content gets when no rule matches.</summary>
    public LabelDefinition DefaultLabel { get; }

    public IReadOnlyList<DocumentStore> Stores { get; }

    public IReadOnlyList<UserLabelMapping> UserLabels { get; }

    public IReadOnlyList<DetectorDefinition> Detectors => [.. CompiledDetectors.Select(d => d.Definition)];

    public IReadOnlyList<RuleDefinition> Rules { get; }

    public IReadOnlyDictionary<string, MailActionDefinition> MailActions { get; }

    public IReadOnlyDictionary<string, DocumentActionDefinition> DocumentActions { get; }

    /// <summary>The file names the policy was loaded from, in load order.</summary>
    public IReadOnlyList<string> Files { get; }

    internal IReadOnlyList<CompiledDetector> CompiledDetectors { get; }
}
