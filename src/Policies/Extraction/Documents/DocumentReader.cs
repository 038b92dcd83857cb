using System.Text;
using MimeKit;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// Recognises a file by its content (not its name alone) and hands it to the reader of its
/// format: PDF, zip archive, Office Open XML, nested mail, HTML, plain text. Formats that hold
/// text the extractor cannot read are reported unscannable; media files are only listed.
/// </summary>
internal static class DocumentReader
{
    private static readonly byte[] PdfMagic = "%PDF-"u8.ToArray();
    private static readonly byte[] ZipMagic = [0x50, 0x4B, 0x03, 0x04];
    private static readonly byte[] EmptyZipMagic = [0x50, 0x4B, 0x05, 0x06];
    private static readonly byte[] OleMagic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] GzipMagic = [0x1F, 0x8B];
    private static readonly byte[] RarMagic = "Rar!\u001A\u0007"u8.ToArray();
    private static readonly byte[] SevenZipMagic = [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C];
    private static readonly byte[] EncryptionInfoUtf16 = Encoding.Unicode.GetBytes("EncryptionInfo");
    private static readonly byte[] PgpArmour = "-----BEGIN PGP MESSAGE-----"u8.ToArray();

    /// <summary>
    /// Extracts one file already read into memory, found at <paramref name="location"/>. A
    /// parser failing in a way its reader did not anticipate makes the file
    /// <see cref="UnscannableReason.Corrupt"/>; it never aborts the whole extraction.
    /// </summary>
    public static void Extract(ExtractionSession session, ArraySegment<byte> data, string fileName, string? contentType, string location, int depth)
    {
        if (!session.Continue(location))
        {
            return;
        }

        try
        {
            Dispatch(session, data, fileName, contentType, location, depth);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            session.AddUnscannable(location, UnscannableReason.Corrupt, $"could not be parsed ({e.GetType().Name})");
        }
    }

    private static void Dispatch(ExtractionSession session, ArraySegment<byte> data, string fileName, string? contentType, string location, int depth)
    {
        var head = data.AsSpan(0, Math.Min(data.Count, 1024));
        var type = (contentType ?? string.Empty).ToLowerInvariant();
        var extension = Path.GetExtension(fileName).ToLowerInvariant();

        if (head.IndexOf(PdfMagic) >= 0)
        {
            PdfTextReader.Extract(session, Exact(data), location);
        }
        else if (head.StartsWith(ZipMagic) || head.StartsWith(EmptyZipMagic))
        {
            ZipReader.Extract(session, data, location, depth);
        }
        else if (head.StartsWith(OleMagic))
        {
            var encrypted = data.AsSpan().IndexOf(EncryptionInfoUtf16) >= 0;
            session.AddUnscannable(location, encrypted ? UnscannableReason.Encrypted : UnscannableReason.Unsupported,
                encrypted ? "password-protected Office document" : "legacy binary Office (OLE) document");
        }
        else if (head.StartsWith(GzipMagic) || head.StartsWith(RarMagic) || head.StartsWith(SevenZipMagic))
        {
            session.AddUnscannable(location, UnscannableReason.Unsupported, "compressed archive format other than zip");
        }
        else if (type is "message/rfc822" || extension is ".eml")
        {
            ExtractMessage(session, data, location, depth);
        }
        else if (head.IndexOf(PgpArmour) >= 0 || extension is ".gpg" or ".pgp" or ".asc" && head.IndexOf("-----BEGIN PGP"u8) >= 0)
        {
            session.AddUnscannable(location, UnscannableReason.Encrypted, "PGP-encrypted file");
        }
        else if (type is "application/pkcs7-mime" or "application/x-pkcs7-mime" || extension is ".p7m")
        {
            session.AddUnscannable(location, UnscannableReason.Encrypted, "S/MIME (CMS) content");
        }
        else if (type is "text/html" || extension is ".html" or ".htm" || LooksLikeHtml(head))
        {
            session.AddText(location, "text/html", HtmlText.ToText(Decode(data)));
        }
        else if (type.StartsWith("text/", StringComparison.Ordinal) || IsTextExtension(extension) || LooksLikeText(head))
        {
            // Only what the per-part limit keeps is decoded (AddText still sees it is longer and reports it).
            var text = Decode(data, session.Limits.MaxTextCharsPerPart);
            session.AddText(location, string.IsNullOrEmpty(type) ? "text/plain" : type, text);
            if (text.Contains("-----BEGIN PGP MESSAGE-----", StringComparison.Ordinal))
            {
                session.AddUnscannable(location, UnscannableReason.Encrypted, "inline PGP-encrypted block");
            }
        }

        // Anything else (images, audio, video, unknown binary) is listed as an attachment only.
    }

    private static void ExtractMessage(ExtractionSession session, ArraySegment<byte> data, string location, int depth)
    {
        MimeMessage message;
        using var stream = new MemoryStream(data.Array!, data.Offset, data.Count, writable: false);
        try
        {
            // Persistent: parts refer to ranges of the data rather than copies; the stream lives through the walk.
            message = MimeMessage.Load(ParserOptions.Default, stream, persistent: true, session.CancellationToken);
        }
        catch (FormatException e)
        {
            session.AddUnscannable(location, UnscannableReason.Corrupt, "not a MIME message: " + e.Message);
            return;
        }

        using (message)
        {
            MessageWalker.Walk(session, message, location + "/", depth);
        }
    }

    // Windows-1252 (Latin-1 plus €, œ, curly quotes in 0x80–0x9F): what non-UTF-8 French text files are in.
    private static readonly Encoding WindowsLatin1 = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? Encoding.Latin1;

    /// <summary>
    /// Decodes text bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252.
    /// With <paramref name="maxChars"/>, a UTF-8 or Windows-1252 text is decoded only as far as
    /// gives more than that many characters (a byte gives at most one character, a character
    /// takes at most three bytes outside surrogate pairs), cut at a character boundary: a long
    /// part costs memory for what is kept, not for its whole size.
    /// </summary>
    internal static string Decode(ReadOnlySpan<byte> data, int maxChars = int.MaxValue)
    {
        if (data.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            return Encoding.Unicode.GetString(data[2..]);
        }

        if (data.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return Encoding.BigEndianUnicode.GetString(data[2..]);
        }

        var offset = data.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var bytes = data[offset..];
        var enough = ((long)maxChars + 2) * 3;
        if (enough < bytes.Length)
        {
            var cut = (int)enough;
            while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
            {
                cut--; // not inside a UTF-8 sequence
            }

            bytes = bytes[..cut];
        }

        return Utf8Strict.TryGetString(bytes, out var text) ? text : WindowsLatin1.GetString(data[..(offset + bytes.Length)]);
    }

    // The data as an array of its own length, for readers that take only arrays (PdfPig).
    private static byte[] Exact(ArraySegment<byte> data) =>
        data.Offset == 0 && data.Count == data.Array!.Length ? data.Array : data.ToArray();

    private static bool IsTextExtension(string extension) =>
        extension is ".txt" or ".csv" or ".tsv" or ".json" or ".xml" or ".md" or ".log" or ".yaml" or ".yml" or ".ini" or ".rtf" or ".vcf" or ".ics";

    private static bool LooksLikeHtml(ReadOnlySpan<byte> head)
    {
        var trimmed = head.TrimStart(" \t\r\n"u8);
        return trimmed.StartsWith("<!DOCTYPE html"u8) || trimmed.StartsWith("<!doctype html"u8)
            || trimmed.StartsWith("<html"u8) || trimmed.StartsWith("<HTML"u8);
    }

    // No NUL and mostly printable in the first kilobyte: scan it as text rather than skip it.
    private static bool LooksLikeText(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty || head.IndexOf((byte)0) >= 0)
        {
            return false;
        }

        var control = 0;
        foreach (var b in head)
        {
            if (b < 0x20 && b is not (0x09 or 0x0A or 0x0D or 0x0C))
            {
                control++;
            }
        }

        return control * 20 < head.Length;
    }

    private static class Utf8Strict
    {
        private static readonly UTF8Encoding Encoding = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public static bool TryGetString(ReadOnlySpan<byte> bytes, out string text)
        {
            try
            {
                text = Encoding.GetString(bytes);
                return true;
            }
            catch (DecoderFallbackException)
            {
                text = string.Empty;
                return false;
            }
        }
    }
}
