using Sovereignty.Policies.Decisions;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Evaluation;

/// <summary>
/// The facts about one request that conditions test: detector hits, mapped user labels,
/// sender and recipient domains, paths, types, unscannable parts. Built once per request.
/// </summary>
internal sealed class MatchContext
{
    private readonly CompiledPolicy _policy;
    private readonly ClassificationRequest _request;
    private readonly Dictionary<string, List<DetectorHit>> _hits;
    private readonly HashSet<string> _userLabels;

    public MatchContext(CompiledPolicy policy, ClassificationRequest request, Dictionary<string, List<DetectorHit>> hits, IReadOnlyList<HonouredUserLabel> userLabels)
    {
        _policy = policy;
        _request = request;
        _hits = hits;
        _userLabels = userLabels.Select(l => l.Label).ToHashSet(StringComparer.Ordinal);
    }

    public bool Matches(Condition condition) => condition switch
    {
        AllCondition all => all.Conditions.All(Matches),
        AnyCondition any => any.Conditions.Any(Matches),
        NotCondition not => !Matches(not.Inner),
        _ => MatchesLeaf(condition, out _),
    };

    public ConditionTrace Trace(Condition condition)
    {
        switch (condition)
        {
            case AllCondition all:
                var allChildren = all.Conditions.Select(Trace).ToList();
                return new ConditionTrace(condition.Describe(), allChildren.All(c => c.Matched), null, allChildren);
            case AnyCondition any:
                var anyChildren = any.Conditions.Select(Trace).ToList();
                return new ConditionTrace(condition.Describe(), anyChildren.Any(c => c.Matched), null, anyChildren);
            case NotCondition not:
                var inner = Trace(not.Inner);
                return new ConditionTrace(condition.Describe(), !inner.Matched, null, [inner]);
            default:
                var matched = MatchesLeaf(condition, out var detail);
                return new ConditionTrace(condition.Describe(), matched, detail, []);
        }
    }

    private bool MatchesLeaf(Condition condition, out string? detail)
    {
        detail = null;
        switch (condition)
        {
            case AlwaysCondition:
                return true;
            case DetectorCondition d:
                var qualifying = _hits.TryGetValue(d.Detector, out var list)
                    ? list.Where(h => h.Confidence + 1e-9 >= d.MinConfidence).ToList()
                    : [];
                detail = qualifying.Count == 0
                    ? "no hit"
                    : $"{qualifying.Count} hit(s) in " + string.Join(", ", qualifying.GroupBy(h => h.Location).Select(g => $"{g.Key} ×{g.Count()}"));
                return qualifying.Count >= d.MinCount;
            case UserLabelCondition u:
                detail = _userLabels.Count == 0 ? "no user label" : "user labels map to: " + string.Join(", ", _userLabels.Order(StringComparer.Ordinal));
                return _userLabels.Contains(u.Label);
            case SenderInternalCondition s:
                var senderDomain = TextMatching.DomainOf(_request.Sender);
                detail = senderDomain.Length == 0 ? "no sender" : "sender domain " + senderDomain;
                return senderDomain.Length > 0 && IsInternal(senderDomain) == s.Internal;
            case SenderDomainCondition sd:
                var domain = TextMatching.DomainOf(_request.Sender);
                detail = domain.Length == 0 ? "no sender" : "sender domain " + domain;
                return sd.Domains.Any(p => TextMatching.DomainMatches(domain, p));
            case RecipientsCondition r:
                var domains = RecipientDomains();
                var external = domains.Where(d => !IsInternal(d)).Distinct().ToList();
                detail = domains.Count == 0 ? "no recipients"
                    : external.Count == 0 ? "all recipients internal"
                    : "external recipient domain(s): " + string.Join(", ", external);
                return domains.Count > 0 && (r.AnyExternal ? external.Count > 0 : external.Count == 0);
            case RecipientDomainCondition rd:
                var matchedDomains = RecipientDomains().Where(d => rd.Domains.Any(p => TextMatching.DomainMatches(d, p))).Distinct().ToList();
                detail = matchedDomains.Count == 0 ? null : "matched: " + string.Join(", ", matchedDomains);
                return matchedDomains.Count > 0;
            case AttachmentTypeCondition a:
                var attachments = _request.Content.Attachments.Where(at => a.Types.Any(t => AttachmentIs(at, t))).ToList();
                detail = attachments.Count == 0 ? null : "matched: " + string.Join(", ", attachments.Select(at => at.Location));
                return attachments.Count > 0;
            case PathCondition p:
                detail = _request.DocumentPath is null ? "no document path" : null;
                return _request.DocumentPath is { } path && p.Globs.Any(g => TextMatching.GlobMatches(path, g));
            case ContentTypeCondition c:
                detail = _request.ContentType is null ? "content type unknown" : "content type " + _request.ContentType;
                return _request.ContentType is { } type && c.Types.Any(t => TextMatching.GlobMatches(BaseType(type), t));
            case UnscannableCondition un:
                var parts = _request.Content.Unscannable
                    .Where(x => un.Reasons.Count == 0 || un.Reasons.Contains(ReasonName(x.Reason)))
                    .ToList();
                detail = parts.Count == 0 ? null : "not scanned: " + string.Join(", ", parts.Select(x => $"{x.Location} ({ReasonName(x.Reason)})"));
                return un.Unscannable ? parts.Count > 0 : _request.Content.Unscannable.Count == 0;
            case ChannelCondition ch:
                return _request.Channel == ch.Channel;
            default:
                throw new InvalidOperationException("unhandled condition " + condition.GetType().Name);
        }
    }

    /// <summary>The name of <paramref name="reason"/> in policy files (<c>reasons:</c>); each reason has its own.</summary>
    internal static string ReasonName(UnscannableReason reason) => reason switch
    {
        UnscannableReason.Encrypted => "encrypted",
        UnscannableReason.LimitExceeded => "limit-exceeded",
        UnscannableReason.Corrupt => "corrupt",
        UnscannableReason.Unsupported => "unsupported",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "unknown unscannable reason"),
    };

    private bool IsInternal(string domain) =>
        _policy.Organisation.InternalDomains.Any(p => TextMatching.DomainMatches(domain, p));

    private List<string> RecipientDomains() =>
        [.. _request.Recipients.Select(TextMatching.DomainOf)];

    private static string BaseType(string contentType)
    {
        var semicolon = contentType.IndexOf(';', StringComparison.Ordinal);
        return (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
    }

    private static bool AttachmentIs(AttachmentInfo attachment, string type)
    {
        if (type.Contains('/', StringComparison.Ordinal))
        {
            return TextMatching.GlobMatches(BaseType(attachment.ContentType), type);
        }

        var extension = type.StartsWith('.') ? type : "." + type;
        return attachment.FileName.EndsWith(extension, StringComparison.OrdinalIgnoreCase);
    }
}
