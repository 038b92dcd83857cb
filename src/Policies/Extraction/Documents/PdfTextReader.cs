using System.Text;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.Exceptions;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// PDF text with PdfPig, page by page in content order. A PDF that needs a password to
/// open is <see cref="UnscannableReason.Encrypted"/>; one PdfPig cannot parse is
/// <see cref="UnscannableReason.Corrupt"/>. The time limit is checked between pages.
/// </summary>
internal static class PdfTextReader
{
    public static void Extract(ExtractionSession session, byte[] data, string location)
    {
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

                builder.Append(ContentOrderTextExtractor.GetText(page)).Append('\n');
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
