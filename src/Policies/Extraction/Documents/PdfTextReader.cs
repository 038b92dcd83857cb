using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// PDF text: <see cref="PdfContentText"/> for files with simple fonts (the fast path), PdfPig,
/// page by page in content order, for every other file. A PDF that needs a password to
/// open is <see cref="UnscannableReason.Encrypted"/>; one PdfPig cannot parse is
/// <see cref="UnscannableReason.Corrupt"/>. The time limit is checked between pages.
/// </summary>
internal static class PdfTextReader
{
    /// <summary>
    /// The page's letters in content-stream order, which is fast and keeps the spaces the
    /// producer wrote. Producers that place words without space glyphs (TeX, some scanners'
    /// OCR layers) give text with almost no spaces: those pages go through the slower
    /// layout analysis that inserts them.
    /// </summary>
    private static string PageText(Page page)
    {
        var text = page.Text;
        var spaces = 0;
        foreach (var c in text)
        {
            if (c == ' ')
            {
                spaces++;
            }
        }

        return text.Length > 40 && spaces * 40 < text.Length ? ContentOrderTextExtractor.GetText(page) : text;
    }

    public static void Extract(ExtractionSession session, byte[] data, string location)
    {
        if (PdfContentText.TryExtract(session, data, location) is { } fast)
        {
            session.AddText(location, "application/pdf", fast);
            return;
        }

        var builder = new StringBuilder();
        try
        {
            using var document = PdfDocument.Open(data, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            foreach (var page in document.GetPages())
            {
                if (!session.Continue(location))
                {
                    break;
                }

                builder.Append(PageText(page)).Append('\n');
                if (builder.Length > session.Limits.MaxTextCharsPerPart)
                {
                    break;
                }
            }
        }
        catch (PdfDocumentEncryptedException)
        {
            session.AddUnscannable(location, UnscannableReason.Encrypted, "password-protected PDF");
            return;
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            // PdfPig signals malformed input with many exception types.
            session.AddUnscannable(location, UnscannableReason.Corrupt, "PDF could not be parsed: " + e.GetType().Name);
            return;
        }

        session.AddText(location, "application/pdf", builder.ToString());
    }
}
