using System.Globalization;
using Sovereignty.Policies.Model;
using Sovereignty.Policies.Validation;

namespace Sovereignty.Policies.Loading;

/// <summary>
/// Reads the sections of one policy file into the shared <see cref="PolicyDraft"/>. The
/// shape (keys, types, allowed values) is checked here; names are resolved later.
/// </summary>
internal sealed class PolicyFileReader
{
    internal static readonly string[] Sections =
        ["policy", "organisation", "stores", "labels", "user-labels", "detectors", "rules", "actions"];

    internal static readonly string[] ConditionKinds =
    [
        "all", "any", "not", "always", "detector", "user-label", "sender", "sender-domain",
        "recipients", "recipient-domain", "attachment-type", "path", "content-type", "unscannable", "channel",
    ];

    private static readonly string[] s_conditionKeys = [.. ConditionKinds, "min-count", "min-confidence", "reasons"];
    private static readonly string[] s_modes = ["enforce", "audit-only"];
    private static readonly string[] s_mailActions = ["pass", "sign", "encrypt", "sign-encrypt", "block"];
    private static readonly string[] s_documentActions = ["pass", "encrypt", "block"];
    private static readonly string[] s_unscannableReasons = ["encrypted", "limit-exceeded", "corrupt", "unsupported"];
    private static readonly string[] s_userLabelSources = ["msip", "sensitivity-header", "office-metadata", "subject-tag", "marking", "any"];

    private readonly PolicyDraft _draft;
    private readonly ErrorSink _errors;

    public PolicyFileReader(PolicyDraft draft, ErrorSink errors)
    {
        _draft = draft;
        _errors = errors;
    }

    public void Read(YamlValue? root)
    {
        if (root is null)
        {
            return;
        }

        var file = MapReader.Open(root, "a policy file (its top level)", _errors, Sections);
        if (file is null)
        {
            return;
        }

        if (file.Has("policy"))
        {
            ReadSettings(file);
        }

        if (file.Has("organisation"))
        {
            ReadOrganisation(file);
        }

        ReadList(file, "stores", ReadStore);
        ReadList(file, "labels", ReadLabel);
        ReadList(file, "user-labels", ReadUserLabel);
        ReadList(file, "detectors", ReadDetector);
        ReadList(file, "rules", ReadRule);
        if (file.Has("actions"))
        {
            ReadActions(file.Raw("actions")!, file.KeyAt("actions"));
        }
    }

    private void ReadList(MapReader file, string section, Action<YamlValue> readItem)
    {
        var value = file.Raw(section);
        if (value is null || value is YamlScalar { IsNull: true })
        {
            return;
        }

        if (value is not YamlList list)
        {
            _errors.Add(value.At, $"'{section}' must be a list (items starting with '- '), not {value.KindName}");
            return;
        }

        foreach (var item in list.Items)
        {
            readItem(item);
        }
    }

    private void ReadSettings(MapReader file)
    {
        var at = file.KeyAt("policy");
        if (_draft.SettingsAt is { } first)
        {
            _errors.Add(at, $"the 'policy' section is already set at {first}; keep one");
            return;
        }

        _draft.SettingsAt = at;
        var map = MapReader.Open(file.Raw("policy"), "'policy'", _errors, "name", "mode", "evaluation", "default-label");
        if (map is null)
        {
            return;
        }

        _draft.Name = map.String("name");
        if (map.OneOf("mode", s_modes) is { } mode)
        {
            _draft.Mode = (PolicyMode)mode;
        }

        if (map.OneOf("evaluation", "highest-label", "first-match") is { } semantics)
        {
            _draft.Semantics = (RuleSemantics)semantics;
        }

        _draft.DefaultLabel = RefOf(map, "default-label", required: true);
    }

    private void ReadOrganisation(MapReader file)
    {
        var at = file.KeyAt("organisation");
        if (_draft.OrganisationAt is { } first)
        {
            _errors.Add(at, $"the 'organisation' section is already set at {first}; keep one");
            return;
        }

        _draft.OrganisationAt = at;
        var map = MapReader.Open(
            file.Raw("organisation"), "'organisation'", _errors,
            "name", "internal-domains", "escrow-identity", "signing-identity", "blocked-mail-contact", "placeholder-subject");
        if (map is null)
        {
            return;
        }

        _draft.OrganisationName = map.String("name", required: true);
        foreach (var (domain, domainAt) in map.StringList("internal-domains"))
        {
            _draft.InternalDomains.Add(new Ref(domain, domainAt));
        }

        _draft.EscrowIdentity = map.String("escrow-identity", required: true);
        _draft.SigningIdentity = map.String("signing-identity");
        _draft.BlockedMailContact = map.String("blocked-mail-contact", required: true);
        _draft.PlaceholderSubject = map.String("placeholder-subject");
    }

    private void ReadStore(YamlValue item)
    {
        var map = MapReader.Open(item, "a store", _errors, "name", "residency", "description");
        if (map is null || RefOf(map, "name", required: true) is not { } name)
        {
            return;
        }

        _draft.Stores.Add(new StoreDraft(name, RefOf(map, "residency", required: true), map.String("description")));
    }

    private void ReadLabel(YamlValue item)
    {
        var map = MapReader.Open(item, "a label", _errors, "name", "description", "key-class", "residency", "readers");
        if (map is null || RefOf(map, "name", required: true) is not { } name)
        {
            return;
        }

        _draft.Labels.Add(new LabelDraft(
            name, map.String("description"), RefOf(map, "key-class"), RefOf(map, "residency"),
            ReadReaders(map.Raw("readers")) ?? Readers.Nobody));
    }

    private Readers? ReadReaders(YamlValue? value)
    {
        if (value is null)
        {
            return null;
        }

        var map = MapReader.Open(value, "'readers'", _errors, "groups", "subjects");
        return map is null
            ? null
            : new Readers(
                [.. map.StringList("groups").Select(g => g.Value)],
                [.. map.StringList("subjects").Select(s => s.Value)]);
    }

    private void ReadUserLabel(YamlValue item)
    {
        var map = MapReader.Open(item, "a user-label mapping", _errors, "source", "values", "label");
        if (map is null)
        {
            return;
        }

        var source = map.OneOf("source", s_userLabelSources) is { } index && s_userLabelSources[index] != "any"
            ? s_userLabelSources[index]
            : null;
        var values = map.StringList("values");
        if (values.Count == 0)
        {
            _errors.Add(map.Has("values") ? map.Raw("values")!.At : map.At, "a user-label mapping needs at least one value in 'values' (a label name, GUID, header value, tag or marking)");
        }

        if (RefOf(map, "label", required: true) is { } label)
        {
            _draft.UserLabels.Add(new UserLabelDraft(source, [.. values.Select(v => v.Value)], label, map.At));
        }
    }

    private void ReadDetector(YamlValue item)
    {
        var map = MapReader.Open(
            item, "a detector", _errors,
            "name", "type", "description", "keywords", "pattern", "case-sensitive", "context", "min-count", "confidence", "context-confidence", "min-confidence");
        if (map is null)
        {
            return;
        }

        var name = RefOf(map, "name", required: true);
        var type = RefOf(map, "type", required: true);
        IReadOnlyList<string> contextWords = [];
        var distance = 50;
        var inWords = false;
        bool? required = null;
        if (map.Raw("context") is { } contextValue)
        {
            var context = MapReader.Open(contextValue, "'context'", _errors, "words", "within", "unit", "required");
            if (context is not null)
            {
                contextWords = [.. context.StringList("words").Select(w => w.Value)];
                if (contextWords.Count == 0)
                {
                    _errors.Add(context.At, "'context' needs at least one word in 'words'");
                }

                if (context.Int("within") is { } within)
                {
                    if (within < 0)
                    {
                        _errors.Add(context.Raw("within")!.At, $"'within' is a distance and must be 0 or more, not {within}");
                    }

                    distance = within;
                }

                inWords = context.OneOf("unit", "characters", "words") == 1;
                required = context.Bool("required");
            }
        }

        var confidence = ReadProbability(map, "confidence");
        var contextConfidence = ReadProbability(map, "context-confidence");
        var minConfidence = ReadProbability(map, "min-confidence") ?? 0;
        if (name is null || type is null)
        {
            return;
        }

        _draft.Detectors.Add(new DetectorDraft(
            name.Value, type.Value,
            [.. map.StringList("keywords").Select(k => k.Value)],
            RefOf(map, "pattern"),
            map.Bool("case-sensitive") ?? false,
            contextWords, distance, inWords, required,
            map.Int("min-count") ?? 1,
            map.Has("min-count") ? map.Raw("min-count")!.At : null,
            confidence, contextConfidence, minConfidence));
    }

    private double? ReadProbability(MapReader map, string key)
    {
        var value = map.Double(key);
        if (value is < 0 or > 1)
        {
            _errors.Add(map.Raw(key)!.At, $"'{key}' must be between 0 and 1, not {value.Value.ToString(CultureInfo.InvariantCulture)}");
            return null;
        }

        return value;
    }

    private void ReadRule(YamlValue item)
    {
        var map = MapReader.Open(item, "a rule", _errors, "name", "description", "when", "label", "mode", "readers", "reason");
        if (map is null)
        {
            return;
        }

        var name = RefOf(map, "name", required: true);
        Condition? when = null;
        if (map.Raw("when") is { } whenValue)
        {
            when = ReadCondition(whenValue);
        }
        else
        {
            _errors.Add(map.At, "missing required key 'when': say when the rule applies (use 'always: true' for a catch-all)");
        }

        var label = RefOf(map, "label", required: true);
        PolicyMode? mode = map.OneOf("mode", s_modes) is { } m ? (PolicyMode)m : null;
        var readers = ReadReaders(map.Raw("readers"));
        if (name is { } n)
        {
            _draft.Rules.Add(new RuleDraft(n, map.String("description"), when, label, mode, readers, map.String("reason"), map.At));
        }
    }

    private Condition? ReadCondition(YamlValue value)
    {
        var map = MapReader.Open(value, "a condition", _errors, s_conditionKeys);
        if (map is null)
        {
            return null;
        }

        var parts = new List<Condition>();
        foreach (var kind in ConditionKinds)
        {
            if (map.Has(kind) && ReadConditionKind(map, kind) is { } condition)
            {
                parts.Add(condition);
            }
        }

        if (!ConditionKinds.Any(map.Has))
        {
            _errors.Add(map.At, "a condition needs one of: " + string.Join(", ", ConditionKinds));
            return null;
        }

        if ((map.Has("min-count") || map.Has("min-confidence")) && !map.Has("detector"))
        {
            _errors.Add(map.KeyAt(map.Has("min-count") ? "min-count" : "min-confidence"), "'min-count' and 'min-confidence' go with 'detector'");
        }

        if (map.Has("reasons") && !map.Has("unscannable"))
        {
            _errors.Add(map.KeyAt("reasons"), "'reasons' goes with 'unscannable'");
        }

        // Several kinds in one mapping read naturally as "all of these".
        return parts.Count switch
        {
            0 => null,
            1 => parts[0],
            _ => new AllCondition(parts, map.At),
        };
    }

    private Condition? ReadConditionKind(MapReader map, string kind)
    {
        var raw = map.Raw(kind)!;
        switch (kind)
        {
            case "all":
            case "any":
                if (raw is not YamlList list)
                {
                    _errors.Add(raw.At, $"'{kind}' must be a list of conditions, not {raw.KindName}");
                    return null;
                }

                var items = list.Items.Select(ReadCondition).ToList();
                if (items.Any(i => i is null))
                {
                    return null;
                }

                return kind == "all"
                    ? new AllCondition(items!, map.KeyAt(kind))
                    : new AnyCondition(items!, map.KeyAt(kind));
            case "not":
                return ReadCondition(raw) is { } inner ? new NotCondition(inner, map.KeyAt(kind)) : null;
            case "always":
                if (map.Bool(kind) is false)
                {
                    _errors.Add(raw.At, "'always: false' never matches; remove the rule or write a real condition");
                    return null;
                }

                return new AlwaysCondition(map.KeyAt(kind));
            case "detector":
                var detector = map.String(kind);
                var minCount = map.Int("min-count") ?? 1;
                var minConfidence = ReadProbability(map, "min-confidence") ?? 0;
                return detector is null ? null : new DetectorCondition(detector, minCount, minConfidence, raw.At);
            case "user-label":
                return map.String(kind) is { } label ? new UserLabelCondition(label, raw.At) : null;
            case "sender":
                return map.OneOf(kind, "internal", "external") is { } sender ? new SenderInternalCondition(sender == 0, raw.At) : null;
            case "recipients":
                return map.OneOf(kind, "all-internal", "any-external") is { } recipients ? new RecipientsCondition(recipients == 1, raw.At) : null;
            case "sender-domain":
                return NonEmpty(kind, raw, list => new SenderDomainCondition(list, raw.At));
            case "recipient-domain":
                return NonEmpty(kind, raw, list => new RecipientDomainCondition(list, raw.At));
            case "attachment-type":
                return NonEmpty(kind, raw, list => new AttachmentTypeCondition(list, raw.At));
            case "path":
                return NonEmpty(kind, raw, list => new PathCondition(list, raw.At));
            case "content-type":
                return NonEmpty(kind, raw, list => new ContentTypeCondition(list, raw.At));
            case "unscannable":
                var unscannable = map.Bool(kind);
                var reasons = map.StringList("reasons");
                foreach (var (reason, reasonAt) in reasons)
                {
                    if (!s_unscannableReasons.Contains(reason))
                    {
                        _errors.Add(reasonAt, $"unknown unscannable reason '{reason}'; allowed: {string.Join(", ", s_unscannableReasons)}");
                    }
                }

                return unscannable is { } u ? new UnscannableCondition(u, [.. reasons.Select(r => r.Value)], raw.At) : null;
            case "channel":
                return map.OneOf(kind, "mail", "document") is { } channel ? new ChannelCondition((Channel)channel, raw.At) : null;
            default:
                throw new InvalidOperationException("unhandled condition kind " + kind);
        }
    }

    private Condition? NonEmpty(string kind, YamlValue raw, Func<IReadOnlyList<string>, Condition> make)
    {
        var values = MapReader.ReadStringList(raw, kind, _errors);
        if (values.Count == 0)
        {
            _errors.Add(raw.At, $"'{kind}' needs at least one value; an empty list never matches");
            return null;
        }

        return make([.. values.Select(v => v.Value)]);
    }

    private void ReadActions(YamlValue value, SourceLocation at)
    {
        _draft.ActionsAt ??= at;
        var map = MapReader.Open(value, "'actions'", _errors, "mail", "document");
        if (map is null)
        {
            return;
        }

        if (MapReader.Open(map.Raw("mail"), "'actions.mail' (one entry per label)", _errors, AnyKey(map.Raw("mail"))) is not null)
        {
            foreach (var (label, actionValue) in ((YamlMap)map.Raw("mail")!).Entries)
            {
                ReadMailAction(new Ref(label.Value, label.At), actionValue);
            }
        }

        if (MapReader.Open(map.Raw("document"), "'actions.document' (one entry per label)", _errors, AnyKey(map.Raw("document"))) is not null)
        {
            foreach (var (label, actionValue) in ((YamlMap)map.Raw("document")!).Entries)
            {
                ReadDocumentAction(new Ref(label.Value, label.At), actionValue);
            }
        }
    }

    private static string[] AnyKey(YamlValue? value) =>
        value is YamlMap map ? [.. map.Entries.Select(e => e.Key.Value)] : [];

    private void ReadMailAction(Ref label, YamlValue value)
    {
        var map = MapReader.Open(value, $"the mail action for '{label.Value}'", _errors, "action", "missing-certificate", "placeholder-subject", "reason");
        if (map is null)
        {
            return;
        }

        PolicyAction? action = map.OneOf("action", s_mailActions) is { } a
            ? a switch { 0 => PolicyAction.Pass, 1 => PolicyAction.Sign, 2 => PolicyAction.Encrypt, 3 => PolicyAction.SignAndEncrypt, _ => PolicyAction.Block }
            : null;
        if (!map.Has("action"))
        {
            _errors.Add(map.At, "missing required key 'action' (" + string.Join(", ", s_mailActions) + ")");
        }

        MissingCertificateBehaviour? missing = map.OneOf("missing-certificate", "refuse", "escrow-only") is { } mc
            ? (MissingCertificateBehaviour)mc
            : null;
        _draft.MailActions.Add(new MailActionDraft(label, action, missing, map.String("placeholder-subject"), map.String("reason")));
    }

    private void ReadDocumentAction(Ref label, YamlValue value)
    {
        var map = MapReader.Open(value, $"the document action for '{label.Value}'", _errors, "action", "stores", "reason");
        if (map is null)
        {
            return;
        }

        PolicyAction? action = map.OneOf("action", s_documentActions) is { } a
            ? a switch { 0 => PolicyAction.Pass, 1 => PolicyAction.Encrypt, _ => PolicyAction.Block }
            : null;
        if (!map.Has("action"))
        {
            _errors.Add(map.At, "missing required key 'action' (" + string.Join(", ", s_documentActions) + ")");
        }

        var stores = map.StringList("stores").Select(s => new Ref(s.Value, s.At)).ToList();
        _draft.DocumentActions.Add(new DocumentActionDraft(label, action, stores, map.String("reason")));
    }

    private static Ref? RefOf(MapReader map, string key, bool required = false) =>
        map.String(key, required) is { } value ? new Ref(value, map.Raw(key)!.At) : null;
}
