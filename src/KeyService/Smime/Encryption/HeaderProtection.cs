using MimeKit;

namespace Sovereignty.KeyService.Smime.Encryption;

/// <summary>
/// Header protection as in RFC 9788 ("Header Protection for Cryptographically Protected
/// Email"): the message's header fields are copied onto the root of the cryptographic
/// payload (marked <c>hp="cipher"</c>, and <c>protected-headers="v1"</c> for clients that
/// implemented the earlier draft), the sensitive ones are removed from the outer message,
/// and the outer Subject becomes a placeholder. An optional legacy-display part shows the
/// real Subject at the top of the body in clients that do not implement header protection.
/// </summary>
/// <remarks>
/// The alternative, wrapping the whole message in message/rfc822 (RFC 8551 §3.1), makes
/// Outlook and Thunderbird show an attached message instead of the mail: see docs/smime.md.
/// </remarks>
internal sealed class HeaderProtection
{
    /// <summary>Header fields that describe the transport or the MIME structure: never copied inside.</summary>
    private static readonly HashSet<string> s_notCopied = new(StringComparer.OrdinalIgnoreCase)
    {
        "MIME-Version", "Received", "Return-Path", "DKIM-Signature", "Authentication-Results",
        "ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results", "Delivered-To", "X-Original-To",
    };

    private readonly IReadOnlyList<string> _protectedHeaders;
    private readonly bool _legacyDisplay;

    public HeaderProtection(IReadOnlyList<string> protectedHeaders, bool legacyDisplay)
    {
        _protectedHeaders = protectedHeaders;
        _legacyDisplay = legacyDisplay;
    }

    /// <summary>
    /// Returns the cryptographic payload for <paramref name="message"/> and rewrites the
    /// message's own header: protected fields removed, Subject set to <paramref name="placeholderSubject"/>.
    /// </summary>
    public MimeEntity Protect(MimeMessage message, string placeholderSubject)
    {
        var body = message.Body ?? throw new KeyServiceException(KeyErrorKind.InvalidData, "The message has no body to encrypt.");
        var realSubject = message.Subject;

        var payload = body;
        if (_legacyDisplay && !string.IsNullOrEmpty(realSubject))
        {
            // RFC 9788 §4.5: a legacy display element, hidden by clients that render protected headers.
            var legacy = new TextPart("plain") { Text = $"Subject: {realSubject}\r\n\r\n" };
            legacy.ContentType.Parameters["hp-legacy-display"] = "1";
            legacy.ContentDisposition = new ContentDisposition(ContentDisposition.Inline);
            payload = new Multipart("mixed") { legacy, body };
        }

        foreach (var header in message.Headers)
        {
            if (!header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && !s_notCopied.Contains(header.Field))
            {
                payload.Headers.Add(header.Clone());
            }
        }

        payload.ContentType.Parameters["hp"] = "cipher";
        payload.ContentType.Parameters["protected-headers"] = "v1";

        foreach (var name in _protectedHeaders)
        {
            message.Headers.RemoveAll(name);
        }

        message.Subject = placeholderSubject;
        // RFC 9788 §2.2: HP-Outer tells the recipient what the outside said.
        payload.Headers.Add("HP-Outer", $"Subject: {placeholderSubject}");
        return payload;
    }
}
