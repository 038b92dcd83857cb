namespace Sovereignty.Policies.Model;

/// <summary>A rule condition. Compound conditions combine others with all / any / not.</summary>
public abstract record Condition(SourceLocation At)
{
    /// <summary>How the condition reads in an explanation (no content values, only policy terms).</summary>
    public abstract string Describe();
}

public sealed record AllCondition(IReadOnlyList<Condition> Conditions, SourceLocation At) : Condition(At)
{
    public override string Describe() => "all of";
}

public sealed record AnyCondition(IReadOnlyList<Condition> Conditions, SourceLocation At) : Condition(At)
{
    public override string Describe() => "any of";
}

public sealed record NotCondition(Condition Inner, SourceLocation At) : Condition(At)
{
    public override string Describe() => "not";
}

/// <summary>Always true: a catch-all.</summary>
public sealed record AlwaysCondition(SourceLocation At) : Condition(At)
{
    public override string Describe() => "always";
}

/// <summary>The detector fired at least <see cref="MinCount"/> times with at least <see cref="MinConfidence"/>.</summary>
public sealed record DetectorCondition(string Detector, int MinCount, double MinConfidence, SourceLocation At) : Condition(At)
{
    public override string Describe() =>
        $"detector '{Detector}' found at least {MinCount} time(s)"
        + (MinConfidence > 0 ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $" with confidence >= {MinConfidence:0.##}") : string.Empty);
}

/// <summary>A label set by a user maps to <see cref="Label"/>.</summary>
public sealed record UserLabelCondition(string Label, SourceLocation At) : Condition(At)
{
    public override string Describe() => $"a user set a label mapped to '{Label}'";
}

/// <summary>The sender is (not) in an internal domain.</summary>
public sealed record SenderInternalCondition(bool Internal, SourceLocation At) : Condition(At)
{
    public override string Describe() => Internal ? "sender is internal" : "sender is external";
}

/// <summary>The sender's domain is one of <see cref="Domains"/> (or a subdomain).</summary>
public sealed record SenderDomainCondition(IReadOnlyList<string> Domains, SourceLocation At) : Condition(At)
{
    public override string Describe() => "sender domain is one of " + string.Join(", ", Domains);
}

/// <summary>Recipients are all internal, or at least one is external.</summary>
public sealed record RecipientsCondition(bool AnyExternal, SourceLocation At) : Condition(At)
{
    public override string Describe() => AnyExternal ? "at least one recipient is external" : "every recipient is internal";
}

/// <summary>At least one recipient's domain is one of <see cref="Domains"/> (or a subdomain).</summary>
public sealed record RecipientDomainCondition(IReadOnlyList<string> Domains, SourceLocation At) : Condition(At)
{
    public override string Describe() => "a recipient domain is one of " + string.Join(", ", Domains);
}

/// <summary>An attachment (or archive member) has one of these extensions or MIME types.</summary>
public sealed record AttachmentTypeCondition(IReadOnlyList<string> Types, SourceLocation At) : Condition(At)
{
    public override string Describe() => "an attachment is of type " + string.Join(", ", Types);
}

/// <summary>The document route/path matches one of these globs (<c>*</c> within a segment, <c>**</c> across).</summary>
public sealed record PathCondition(IReadOnlyList<string> Globs, SourceLocation At) : Condition(At)
{
    public override string Describe() => "document path matches " + string.Join(", ", Globs);
}

/// <summary>The content type of the mail or document matches one of these (e.g. <c>application/pdf</c>, <c>text/*</c>).</summary>
public sealed record ContentTypeCondition(IReadOnlyList<string> Types, SourceLocation At) : Condition(At)
{
    public override string Describe() => "content type is " + string.Join(", ", Types);
}

/// <summary>Some content could (not) be scanned; optionally only for the given reasons.</summary>
public sealed record UnscannableCondition(bool Unscannable, IReadOnlyList<string> Reasons, SourceLocation At) : Condition(At)
{
    public override string Describe() =>
        !Unscannable ? "everything could be scanned"
        : Reasons.Count == 0 ? "some content could not be scanned"
        : "some content could not be scanned (" + string.Join(", ", Reasons) + ")";
}

/// <summary>The channel is mail or document.</summary>
public sealed record ChannelCondition(Channel Channel, SourceLocation At) : Condition(At)
{
    public override string Describe() => "channel is " + (Channel == Channel.Mail ? "mail" : "document");
}
