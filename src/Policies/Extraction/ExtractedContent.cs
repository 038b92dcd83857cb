namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Everything the classifier may look at in one mail or document, after walking its
/// MIME parts, archives and office/PDF files within the extraction limits.
/// </summary>
/// <param name="Parts">Text of every part that could be scanned.</param>
/// <param name="Unscannable">Parts that could not be scanned, and why: an explicit outcome rules can act on.</param>
/// <param name="UserLabels">Labels and markings that senders or authors set themselves.</param>
/// <param name="Attachments">Every attachment or archive member met, scanned or not.</param>
public sealed record ExtractedContent(
    IReadOnlyList<ContentPart> Parts,
    IReadOnlyList<UnscannableContent> Unscannable,
    IReadOnlyList<UserLabel> UserLabels,
    IReadOnlyList<AttachmentInfo> Attachments);

/// <summary>The text of one scanned part.</summary>
/// <param name="Location">Where the part is, e.g. <c>subject</c>, <c>body</c>, <c>attachment:a.zip/b.docx</c>.</param>
/// <param name="ContentType">The part's MIME type as detected.</param>
/// <param name="Text">The extracted text.</param>
public sealed record ContentPart(string Location, string ContentType, string Text);

/// <summary>Why a part could not be scanned.</summary>
public enum UnscannableReason
{
    /// <summary>Password-protected archive or document, S/MIME or PGP-encrypted part.</summary>
    Encrypted,

    /// <summary>Depth, expansion ratio, total size or time limit reached.</summary>
    LimitExceeded,

    /// <summary>The file claims a format but cannot be parsed.</summary>
    Corrupt,

    /// <summary>
    /// A format that holds text the extractor cannot read (legacy binary Office, RAR, 7z,
    /// gzip, opaque S/MIME signed data). Images and other media are not reported.
    /// </summary>
    Unsupported,
}

/// <summary>A part the classifier could not read.</summary>
public sealed record UnscannableContent(string Location, UnscannableReason Reason, string Detail);

/// <summary>A label or marking set by a user, in a header, document metadata or the text.</summary>
/// <param name="Source">Where it was found: <c>msip</c>, <c>sensitivity-header</c>, <c>office-metadata</c>, <c>subject-tag</c>, <c>marking</c>.</param>
/// <param name="Value">The label's name (or GUID for MSIP labels without a name), or the marking's text.</param>
/// <param name="Location">Which part it was found in.</param>
public sealed record UserLabel(string Source, string Value, string Location)
{
    /// <summary>The label's identifier when it has one (the GUID of an MSIP label), else null.</summary>
    public string? Id { get; init; }
}

/// <summary>An attachment or archive member.</summary>
public sealed record AttachmentInfo(string Location, string FileName, string ContentType, long Length);
