using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.Policies.Extraction.Documents;
using Sovereignty.Policies.Extraction.Labels;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Walks every MIME entity of a message: subject as its own part, inline text and HTML
/// bodies, attachments through <see cref="DocumentReader"/>, nested message/rfc822 parts
/// recursively. Encrypted S/MIME and PGP parts are reported, never skipped.
/// </summary>
internal static class MessageWalker
{
    /// <summary>Walks <paramref name="message"/>; locations start with <paramref name="prefix"/> ("" at top level).</summary>
    public static void Walk(ExtractionSession session, MimeMessage message, string prefix, int depth)
    {
        if (!session.EnterDepth(depth, prefix.Length == 0 ? "message" : prefix.TrimEnd('/')))
        {
            return;
        }

        foreach (var label in MessageLabels.Find(message, prefix))
        {
            session.AddLabel(label);
        }

        if (!string.IsNullOrEmpty(message.Subject) && session.CountPart(prefix + "subject"))
        {
            session.AddText(prefix + "subject", "text/plain", message.Subject);
        }

        if (message.Body is not null)
        {
            var bodyIndex = 0;
            var attachmentIndex = 0;
            WalkEntity(session, message.Body, prefix, depth, ref bodyIndex, ref attachmentIndex);
        }
    }

    private static void WalkEntity(ExtractionSession session, MimeEntity entity, string prefix, int depth, ref int bodyIndex, ref int attachmentIndex)
    {
        if (session.Stopped)
        {
            return;
        }

        switch (entity)
        {
            case MultipartEncrypted:
                session.AddUnscannable(prefix + "body", UnscannableReason.Encrypted, "multipart/encrypted (PGP/MIME) part");
                return;
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    WalkEntity(session, child, prefix, depth, ref bodyIndex, ref attachmentIndex);
                }

                return;
            case MessagePart messagePart:
                var name = ExtractionNames.Clean(messagePart.ContentDisposition?.FileName, $"message{++attachmentIndex}.eml");
                var location = prefix + "attachment:" + name;
                if (!session.CountPart(location))
                {
                    return;
                }

                session.AddAttachment(new AttachmentInfo(location, name, "message/rfc822", -1));
                if (messagePart.Message is { } nested)
                {
                    Walk(session, nested, location + "/", depth + 1);
                }

                return;
            case ApplicationPkcs7Mime pkcs7:
                WalkPkcs7(session, pkcs7, prefix, ref attachmentIndex);
                return;
            case MimePart part:
                WalkPart(session, part, prefix, depth, ref bodyIndex, ref attachmentIndex);
                return;
        }
    }

    private static void WalkPkcs7(ExtractionSession session, ApplicationPkcs7Mime pkcs7, string prefix, ref int attachmentIndex)
    {
        var location = prefix + "attachment:" + ExtractionNames.Clean(pkcs7.FileName, $"smime{++attachmentIndex}.p7m");
        var (reason, detail) = pkcs7.SecureMimeType switch
        {
            SecureMimeType.EnvelopedData or SecureMimeType.AuthEnvelopedData => (UnscannableReason.Encrypted, "S/MIME encrypted part"),
            SecureMimeType.SignedData => (UnscannableReason.Unsupported, "opaque S/MIME signed part: its content was not unwrapped"),
            SecureMimeType.CompressedData => (UnscannableReason.Unsupported, "S/MIME compressed part"),
            _ => (UnscannableReason.Encrypted, "S/MIME part of unknown type"),
        };
        session.AddUnscannable(location, reason, detail);
    }

    private static void WalkPart(ExtractionSession session, MimePart part, string prefix, int depth, ref int bodyIndex, ref int attachmentIndex)
    {
        var contentType = part.ContentType.MimeType.ToLowerInvariant();
        if (contentType is "application/pgp-encrypted" or "application/pgp-signature" or "application/pkcs7-signature" or "application/x-pkcs7-signature")
        {
            // Signature parts carry no content; the PGP/MIME version part is handled by its multipart.
            return;
        }

        var isBody = part is TextPart && !part.IsAttachment && contentType is "text/plain" or "text/html";
        string location;
        if (isBody)
        {
            location = prefix + (bodyIndex++ == 0 ? "body" : $"body#{bodyIndex}");
        }
        else
        {
            location = prefix + "attachment:" + ExtractionNames.Clean(part.FileName, $"part{++attachmentIndex}");
        }

        if (!session.CountPart(location))
        {
            return;
        }

        if (isBody)
        {
            ReadBody(session, (TextPart)part, location, contentType);
            return;
        }

        var data = part.Content is null
            ? []
            : Base64Content.TryDecode(session, location, part.Content)
                ?? session.Capture(location, -1, (stream, ct) => part.Content.DecodeTo(stream, ct), EncodedLength(part));
        session.AddAttachment(new AttachmentInfo(location, part.FileName ?? string.Empty, contentType, data?.LongLength ?? -1));
        if (data is not null && session.EnterDepth(depth + 1, location))
        {
            DocumentReader.Extract(session, data, part.FileName ?? string.Empty, contentType, location, depth + 1);
        }
    }

    // The encoded size bounds the decoded size: a capacity hint that avoids regrowing the buffer.
    private static long EncodedLength(MimePart part) =>
        part.Content?.Stream is { CanSeek: true } stream ? stream.Length : -1;

    private static void ReadBody(ExtractionSession session, TextPart part, string location, string contentType)
    {
        // Decode within the byte limit first.
        var data = part.Content is null ? [] : session.Capture(location, -1, (stream, ct) => part.Content.DecodeTo(stream, ct), EncodedLength(part));
        if (data is null)
        {
            return;
        }

        // The size is now known to be within the limits: let MimeKit apply the declared charset
        // (with its code pages and its fallbacks for unknown or wrong charsets).
        var text = part.GetText(out _);
        if (contentType == "text/html")
        {
            try
            {
                text = HtmlText.ToText(text);
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                session.AddUnscannable(location, UnscannableReason.Corrupt, $"HTML could not be parsed ({e.GetType().Name})");
                return;
            }
        }

        session.AddText(location, contentType, text);
        if (text.Contains("-----BEGIN PGP MESSAGE-----", StringComparison.Ordinal))
        {
            session.AddUnscannable(location, UnscannableReason.Encrypted, "inline PGP-encrypted block");
        }
    }
}
