using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Loading;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Validation;

/// <summary>
/// Checks a <see cref="PolicyDraft"/> as a whole — names defined once and resolvable, key
/// classes known and resident where the label requires, regexes valid, actions complete,
/// rules able to match — and builds the immutable <see cref="CompiledPolicy"/> when no
/// error was found.
/// </summary>
internal sealed class PolicyCompiler
{
    private readonly PolicyDraft _draft;
    private readonly ErrorSink _errors;
    private readonly IReadOnlyDictionary<string, KeyClassInfo>? _keyClasses;
    private readonly IDetectorFactory _detectorFactory;
    private readonly SourceLocation _fileStart;

    public PolicyCompiler(PolicyDraft draft, ErrorSink errors, IReadOnlyCollection<KeyClassInfo>? keyClasses, IDetectorFactory detectorFactory, SourceLocation fileStart)
    {
        _draft = draft;
        _errors = errors;
        _keyClasses = keyClasses?.ToDictionary(k => k.Name, StringComparer.Ordinal);
        _detectorFactory = detectorFactory;
        _fileStart = fileStart;
    }

    public CompiledPolicy? Compile(string version, IReadOnlyList<string> files)
    {
        var labels = CompileLabels();
        var stores = CompileStores();
        var organisation = CompileOrganisation();
        LabelDefinition? defaultLabel = null;
        if (_draft.SettingsAt is null)
        {
            _errors.Add(_fileStart, "missing 'policy' section (name, mode, evaluation, default-label)");
        }
        else if (_draft.DefaultLabel is { } d)
        {
            defaultLabel = ResolveLabel(labels, d, "default-label");
        }

        var userLabels = CompileUserLabels(labels);
        var detectors = CompileDetectors();
        var rules = CompileRules(labels, detectors);
        var mailActions = CompileMailActions(labels, organisation);
        var documentActions = CompileDocumentActions(labels, stores);

        if (_errors.Count > 0 || organisation is null || defaultLabel is null)
        {
            return null;
        }

        return new CompiledPolicy(
            _draft.Name ?? organisation.Name,
            version,
            _draft.Mode,
            _draft.Semantics,
            organisation,
            labels,
            defaultLabel,
            [.. stores.Values],
            userLabels,
            detectors,
            rules,
            mailActions,
            documentActions,
            files);
    }

    private List<LabelDefinition> CompileLabels()
    {
        var labels = new List<LabelDefinition>();
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var label in _draft.Labels)
        {
            if (!seen.TryAdd(label.Name.Value, label.Name.At))
            {
                _errors.Add(label.Name.At, $"duplicate label '{label.Name.Value}': already defined at {seen[label.Name.Value]}");
                continue;
            }

            if (label.KeyClass is { } keyClass && _keyClasses is not null)
            {
                if (!_keyClasses.TryGetValue(keyClass.Value, out var info))
                {
                    _errors.Add(keyClass.At, $"unknown key class '{keyClass.Value}'; the gateway provides: {Known(_keyClasses.Keys)}");
                }
                else if (label.Residency is { } residency && !ResidencyEquals(info.Residency, residency.Value))
                {
                    _errors.Add(keyClass.At, $"residency mismatch: label '{label.Name.Value}' requires residency '{residency.Value}' but key class '{keyClass.Value}' is in '{(info.Residency.Length == 0 ? "unknown" : info.Residency)}'");
                }
            }

            labels.Add(new LabelDefinition(
                label.Name.Value, labels.Count, label.Description, label.KeyClass?.Value, label.Residency?.Value, label.Readers, label.Name.At));
        }

        if (_draft.Labels.Count == 0)
        {
            _errors.Add(_fileStart, "no labels are defined: add a 'labels' list, least sensitive first");
        }

        return labels;
    }

    private Dictionary<string, DocumentStore> CompileStores()
    {
        var stores = new Dictionary<string, DocumentStore>(StringComparer.Ordinal);
        foreach (var store in _draft.Stores)
        {
            if (stores.TryGetValue(store.Name.Value, out var first))
            {
                _errors.Add(store.Name.At, $"duplicate store '{store.Name.Value}': already defined at {first.At}");
                continue;
            }

            stores[store.Name.Value] = new DocumentStore(store.Name.Value, store.Residency?.Value ?? string.Empty, store.Description, store.Name.At);
        }

        return stores;
    }

    private OrganisationSettings? CompileOrganisation()
    {
        if (_draft.OrganisationAt is null)
        {
            _errors.Add(_fileStart, "missing 'organisation' section (name, internal-domains, escrow-identity, blocked-mail-contact)");
            return null;
        }

        var domains = new List<string>();
        foreach (var domain in _draft.InternalDomains)
        {
            var d = domain.Value.StartsWith("*.", StringComparison.Ordinal) ? domain.Value[2..] : domain.Value;
            if (d.Contains('@', StringComparison.Ordinal) || !d.Contains('.', StringComparison.Ordinal) || d.Any(char.IsWhiteSpace))
            {
                _errors.Add(domain.At, $"'{domain.Value}' is not a mail domain (write e.g. laposte.fr; subdomains are included)");
                continue;
            }

            domains.Add(d.ToLowerInvariant());
        }

        if (_draft.InternalDomains.Count == 0)
        {
            _errors.Add(_draft.OrganisationAt.Value, "'internal-domains' must list at least one domain: without it every recipient counts as external");
        }

        return _draft.OrganisationName is null || _draft.EscrowIdentity is null || _draft.BlockedMailContact is null
            ? null
            : new OrganisationSettings(
                _draft.OrganisationName,
                domains,
                _draft.EscrowIdentity,
                _draft.SigningIdentity,
                _draft.BlockedMailContact,
                _draft.PlaceholderSubject ?? "Message protégé");
    }

    private List<UserLabelMapping> CompileUserLabels(List<LabelDefinition> labels) =>
        [.. _draft.UserLabels
            .Where(m => ResolveLabel(labels, m.Label, "user-label mapping") is not null)
            .Select(m => new UserLabelMapping(m.Source, m.Values, m.Label.Value, m.At))];

    private List<CompiledDetector> CompileDetectors()
    {
        var detectors = new List<CompiledDetector>();
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        foreach (var d in _draft.Detectors)
        {
            if (!seen.TryAdd(d.Name.Value, d.Name.At))
            {
                _errors.Add(d.Name.At, $"duplicate detector '{d.Name.Value}': already defined at {seen[d.Name.Value]}");
                continue;
            }

            var type = d.Type.Value;
            var isKeywords = type == DetectorDefinition.KeywordsType;
            var isRegex = type == DetectorDefinition.RegexType;
            var before = _errors.Count;
            if (!isKeywords && !isRegex && !BuiltInDetectors.IsBuiltIn(type))
            {
                _errors.Add(d.Type.At, $"unknown detector type '{type}'; use keywords, regex or a built-in type: {string.Join(", ", BuiltInDetectors.Types)}");
            }

            if (isKeywords && d.Keywords.Count == 0)
            {
                _errors.Add(d.Name.At, $"detector '{d.Name.Value}' of type keywords needs a 'keywords' list");
            }

            if (!isKeywords && d.Keywords.Count > 0)
            {
                _errors.Add(d.Name.At, $"'keywords' only applies to detectors of type keywords, not '{type}'");
            }

            if (isRegex)
            {
                if (d.Pattern is not { } pattern)
                {
                    _errors.Add(d.Name.At, $"detector '{d.Name.Value}' of type regex needs a 'pattern'");
                }
                else if (!DetectorSettingsValidator.TryValidatePattern(pattern.Value, out var regexError))
                {
                    _errors.Add(pattern.At, regexError!);
                }
            }
            else if (d.Pattern is { } stray)
            {
                _errors.Add(stray.At, $"'pattern' only applies to detectors of type regex, not '{type}'");
            }

            if (d.MinCount <= 0)
            {
                _errors.Add(d.MinCountAt ?? d.Name.At, $"'min-count' must be at least 1, not {d.MinCount}: with {d.MinCount} the detector would fire on every mail and document");
            }

            if (MaxConfidence(d) is { } max && max + 1e-9 < d.MinConfidence)
            {
                _errors.Add(d.Name.At, $"detector '{d.Name.Value}' can never fire: its hits have confidence at most {max} but 'min-confidence' is {d.MinConfidence}");
            }

            if (_errors.Count > before)
            {
                continue;
            }

            var definition = new DetectorDefinition(
                d.Name.Value, type, d.Keywords, d.Pattern?.Value, d.CaseSensitive, d.ContextWords, d.ContextDistance, d.ContextInWords,
                d.RequireContext, d.MinCount, d.Confidence, d.ContextConfidence, d.MinConfidence, d.Name.At);
            var detector = _detectorFactory.Create(definition, out var failure);
            if (detector is null)
            {
                _errors.Add(d.Name.At, $"detector '{d.Name.Value}': {failure ?? "could not be created"}");
                continue;
            }

            detectors.Add(new CompiledDetector(definition, detector));
        }

        return detectors;
    }

    // Only when the policy states the confidences itself; built-in defaults are the detectors' business.
    internal static double? MaxConfidence(DetectorDraft d) =>
        d.Confidence is not { } plain ? null
        : d.ContextWords.Count == 0 ? plain
        : d.ContextConfidence is { } withContext ? (d.RequireContext == true ? withContext : Math.Max(plain, withContext))
        : null;

    private List<RuleDefinition> CompileRules(List<LabelDefinition> labels, List<CompiledDetector> detectors)
    {
        var rules = new List<RuleDefinition>();
        var seen = new Dictionary<string, SourceLocation>(StringComparer.Ordinal);
        var detectorsByName = detectors.ToDictionary(d => d.Definition.Name, StringComparer.Ordinal);
        var declaredDetectors = _draft.Detectors.Select(d => d.Name.Value).ToHashSet(StringComparer.Ordinal);
        RuleDraft? catchAll = null;
        foreach (var rule in _draft.Rules)
        {
            if (!seen.TryAdd(rule.Name.Value, rule.Name.At))
            {
                _errors.Add(rule.Name.At, $"duplicate rule '{rule.Name.Value}': already defined at {seen[rule.Name.Value]}");
                continue;
            }

            var label = rule.Label is { } l ? ResolveLabel(labels, l, "rule") : null;
            if (rule.When is not { } when)
            {
                continue;
            }

            var before = _errors.Count;
            CheckReferences(when, labels, detectorsByName, declaredDetectors);
            if (_errors.Count == before && ReachabilityAnalysis.NeverMatches(when, detectorsByName) is { } why)
            {
                _errors.Add(rule.Name.At, $"rule '{rule.Name.Value}' can never match: {why}");
            }

            if (_draft.Semantics == RuleSemantics.FirstMatch && catchAll is not null)
            {
                _errors.Add(rule.Name.At, $"rule '{rule.Name.Value}' can never match: under first-match evaluation the catch-all rule '{catchAll.Name.Value}' ({catchAll.Name.At}) above it always decides first; move it above or remove the catch-all");
            }

            if (ReachabilityAnalysis.AlwaysMatches(when) && rule.Mode != PolicyMode.AuditOnly)
            {
                catchAll ??= rule;
            }

            if (label is not null)
            {
                rules.Add(new RuleDefinition(rule.Name.Value, rule.Description, when, label.Name, rule.Mode ?? _draft.Mode, rule.Readers, rule.Reason, rule.Name.At));
            }
        }

        return rules;
    }

    private void CheckReferences(Condition condition, List<LabelDefinition> labels, Dictionary<string, CompiledDetector> detectors, HashSet<string> declaredDetectors)
    {
        switch (condition)
        {
            case AllCondition all:
                if (all.Conditions.Count == 0)
                {
                    _errors.Add(all.At, "'all' needs at least one condition; for a catch-all write 'always: true'");
                }

                foreach (var c in all.Conditions)
                {
                    CheckReferences(c, labels, detectors, declaredDetectors);
                }

                break;
            case AnyCondition any:
                foreach (var c in any.Conditions)
                {
                    CheckReferences(c, labels, detectors, declaredDetectors);
                }

                break;
            case NotCondition not:
                CheckReferences(not.Inner, labels, detectors, declaredDetectors);
                break;
            case DetectorCondition detector:
                if (!declaredDetectors.Contains(detector.Detector))
                {
                    _errors.Add(detector.At, $"undefined detector '{detector.Detector}'; defined detectors: {Known(declaredDetectors)}");
                }

                if (detector.MinCount <= 0)
                {
                    _errors.Add(detector.At, $"'min-count' must be at least 1, not {detector.MinCount}: a detector condition with min-count {detector.MinCount} would match content without any hit");
                }

                break;
            case UserLabelCondition userLabel:
                ResolveLabel(labels, new Ref(userLabel.Label, userLabel.At), "user-label condition");
                if (!_draft.UserLabels.Any(m => m.Label.Value == userLabel.Label))
                {
                    _errors.Add(userLabel.At, $"condition 'user-label: {userLabel.Label}' can never match: no entry in 'user-labels' maps to '{userLabel.Label}'");
                }

                break;
            case SenderDomainCondition or RecipientDomainCondition:
                var domains = condition is SenderDomainCondition s ? s.Domains : ((RecipientDomainCondition)condition).Domains;
                foreach (var domain in domains.Where(d => d.Contains('@', StringComparison.Ordinal) || !d.Contains('.', StringComparison.Ordinal)))
                {
                    _errors.Add(condition.At, $"'{domain}' is not a mail domain (write e.g. partenaire.fr)");
                }

                break;
            default:
                break;
        }
    }

    private Dictionary<string, MailActionDefinition> CompileMailActions(List<LabelDefinition> labels, OrganisationSettings? organisation)
    {
        var actions = new Dictionary<string, MailActionDefinition>(StringComparer.Ordinal);
        foreach (var a in _draft.MailActions)
        {
            if (ResolveLabel(labels, a.Label, "mail action") is null)
            {
                continue;
            }

            if (actions.TryGetValue(a.Label.Value, out var first))
            {
                _errors.Add(a.Label.At, $"duplicate mail action for label '{a.Label.Value}': already set at {first.At}");
                continue;
            }

            if (a.Action is not { } action)
            {
                continue;
            }

            if (action == PolicyAction.Block && string.IsNullOrWhiteSpace(a.Reason))
            {
                _errors.Add(a.Label.At, $"mail action 'block' for '{a.Label.Value}' needs a 'reason': the sender reads it in the refusal");
            }

            if (action is PolicyAction.Sign or PolicyAction.SignAndEncrypt && organisation is not null && organisation.SigningIdentity is null)
            {
                _errors.Add(a.Label.At, $"mail action for '{a.Label.Value}' signs, but 'organisation.signing-identity' is not set");
            }

            if (a.MissingCertificate is not null && action is not (PolicyAction.Encrypt or PolicyAction.SignAndEncrypt))
            {
                _errors.Add(a.Label.At, $"'missing-certificate' only applies to encrypt and sign-encrypt, not to this action");
            }

            actions[a.Label.Value] = new MailActionDefinition(
                a.Label.Value, action, a.MissingCertificate ?? MissingCertificateBehaviour.Refuse, a.PlaceholderSubject, a.Reason, a.Label.At);
        }

        RequireActionForEveryLabel(labels, actions.Keys, "mail");
        return actions;
    }

    private Dictionary<string, DocumentActionDefinition> CompileDocumentActions(List<LabelDefinition> labels, Dictionary<string, DocumentStore> stores)
    {
        var actions = new Dictionary<string, DocumentActionDefinition>(StringComparer.Ordinal);
        foreach (var a in _draft.DocumentActions)
        {
            var label = ResolveLabel(labels, a.Label, "document action");
            if (label is null)
            {
                continue;
            }

            if (actions.TryGetValue(a.Label.Value, out var first))
            {
                _errors.Add(a.Label.At, $"duplicate document action for label '{a.Label.Value}': already set at {first.At}");
                continue;
            }

            if (a.Action is not { } action)
            {
                continue;
            }

            if (action == PolicyAction.Encrypt && label.KeyClass is null)
            {
                _errors.Add(a.Label.At, $"document action 'encrypt' for '{label.Name}' needs a key class: set 'key-class' on label '{label.Name}' ({label.At})");
            }

            if (action == PolicyAction.Block && string.IsNullOrWhiteSpace(a.Reason))
            {
                _errors.Add(a.Label.At, $"document action 'block' for '{a.Label.Value}' needs a 'reason': the uploader reads it in the refusal");
            }

            if (action != PolicyAction.Block && a.Stores.Count == 0)
            {
                _errors.Add(a.Label.At, $"document action for '{a.Label.Value}' must list the 'stores' that may hold it");
            }

            foreach (var storeRef in a.Stores)
            {
                if (!stores.TryGetValue(storeRef.Value, out var store))
                {
                    _errors.Add(storeRef.At, $"undefined store '{storeRef.Value}'; defined stores: {Known(stores.Keys)}");
                }
                else if (label.Residency is { } residency && !ResidencyEquals(store.Residency, residency))
                {
                    _errors.Add(storeRef.At, $"residency mismatch: label '{label.Name}' requires residency '{residency}' but store '{store.Name}' is in '{store.Residency}'");
                }
            }

            actions[a.Label.Value] = new DocumentActionDefinition(a.Label.Value, action, [.. a.Stores.Select(s => s.Value)], a.Reason, a.Label.At);
        }

        RequireActionForEveryLabel(labels, actions.Keys, "document");
        return actions;
    }

    // Fail closed: a label without an action is an error, never an implicit "pass".
    private void RequireActionForEveryLabel(List<LabelDefinition> labels, IEnumerable<string> withAction, string channel)
    {
        var set = withAction.ToHashSet(StringComparer.Ordinal);
        foreach (var label in labels.Where(l => !set.Contains(l.Name)))
        {
            _errors.Add(label.At, $"label '{label.Name}' has no {channel} action: add it under 'actions: {channel}:'");
        }
    }

    private LabelDefinition? ResolveLabel(List<LabelDefinition> labels, Ref name, string usedBy)
    {
        var label = labels.FirstOrDefault(l => l.Name == name.Value);
        if (label is null && _draft.Labels.All(l => l.Name.Value != name.Value))
        {
            _errors.Add(name.At, $"undefined label '{name.Value}' in {usedBy}; defined labels: {Known(labels.Select(l => l.Name))}");
        }

        return label;
    }

    private static bool ResidencyEquals(string actual, string required) =>
        string.Equals(actual, required, StringComparison.OrdinalIgnoreCase);

    private static string Known(IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "(none)" : string.Join(", ", list);
    }
}
