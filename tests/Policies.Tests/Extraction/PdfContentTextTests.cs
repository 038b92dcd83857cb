using System.IO.Compression;
using System.Text;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Extraction.Documents;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Sovereignty.Policies.Tests.Extraction;

/// <summary>The fast PDF text path, checked against PdfPig and against hand-written content streams.</summary>
public sealed class PdfContentTextTests
{
    private const string Font = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>";

    [Fact]
    public void TryExtract_PdfPigWrittenMultiPage_SameCharactersInSameOrderAsPdfPig()
    {
        var lines = Enumerable.Range(0, 150).Select(i => $"Ligne {i} IBAN FR14 2004 1010 0505 0001 3M02 606 client n{i}").ToArray();
        var pdf = MultiPagePdf(lines, linesPerPage: 40);

        var fast = PdfContentText.TryExtract(Session(), pdf, "doc.pdf");

        using var document = PdfDocument.Open(pdf);
        var reference = string.Join('\n', document.GetPages().Select(p => p.Text));
        // PdfPig's page text runs lines together ("n0Ligne"); this path breaks them: compare
        // the characters without white space, and that every line is found whole.
        Assert.NotNull(fast);
        Assert.Equal(string.Concat(Words(reference)), string.Concat(Words(fast)));
        Assert.All(lines, line => Assert.Contains(line + "\n", fast, StringComparison.Ordinal));
        Assert.Equal(4, document.NumberOfPages);
    }

    [Fact]
    public void TryExtract_TextOperators_EscapesHexKerningAndLineMoves()
    {
        const string content = """
            BT /F1 12 Tf 40 700 Td (Bonjour \(client\)) Tj 0 -14 Td [(IB)-20(AN)-400(FR76)] TJ
            T* <4E4952> Tj (caf\351 \\ fin) ' 10 0 Td (suite) Tj ET
            """;
        var text = PdfContentText.TryExtract(Session(), HandWrittenPdf(Font, content, compress: true), "doc.pdf");

        Assert.Equal("Bonjour (client)\nIBAN FR76\nNIR\ncafé \\ fin suite\n", text);
    }

    [Fact]
    public void TryExtract_InlineImageAndComments_NotReadAsText()
    {
        const string content = "BT (avant) Tj ET % (commentaire) Tj\nBI /W 2 /H 1 /BPC 8 /CS /G ID (image) Tj EI\nBT (apres) Tj ET";
        var text = PdfContentText.TryExtract(Session(), HandWrittenPdf(Font, content, compress: false), "doc.pdf");

        Assert.Equal("avant\napres\n", text);
    }

    [Theory]
    [InlineData("<< /Type /Font /Subtype /Type0 /BaseFont /Arial /Encoding /Identity-H >>")]
    [InlineData("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [65 /B] >> >>")]
    [InlineData("<< /Type /Font /Subtype /TrueType /BaseFont /Arial /ToUnicode 9 0 R >>")]
    [InlineData("<< /Type /Font /Subtype /Type3 >>")]
    public void TryExtract_FontTheEncodingCannotDecode_LeftToPdfPig(string font)
    {
        var pdf = HandWrittenPdf(font, "BT (texte) Tj ET", compress: true);

        Assert.Null(PdfContentText.TryExtract(Session(), pdf, "doc.pdf"));
    }

    [Fact]
    public void TryExtract_NoTextOperator_LeftToPdfPig()
    {
        var pdf = HandWrittenPdf(Font, "0 0 m 100 100 l S", compress: true);

        Assert.Null(PdfContentText.TryExtract(Session(), pdf, "doc.pdf"));
    }

    [Fact]
    public void TryExtract_OtherStreamFilter_LeftToPdfPig()
    {
        var pdf = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(HandWrittenPdf(Font, "BT (texte) Tj ET", compress: true)).Replace("/FlateDecode", "/LZWDecode", StringComparison.Ordinal));

        Assert.Null(PdfContentText.TryExtract(Session(), pdf, "doc.pdf"));
    }

    [Fact]
    public void ExtractDocument_ContentStreamBomb_LimitExceededNotMemory()
    {
        // 64 MiB of spaces inflate from ~64 KB: far above the 100:1 expansion ratio.
        var content = "BT (debut) Tj ET" + new string(' ', 64 << 20);
        var pdf = HandWrittenPdf(Font, content, compress: true);

        var extracted = new ContentExtractor().ExtractDocument(new MemoryStream(pdf), "bombe.pdf", "application/pdf");

        var failure = Assert.Single(extracted.Unscannable);
        Assert.Equal(UnscannableReason.LimitExceeded, failure.Reason);
        Assert.Contains("expands", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtractDocument_HandWrittenPdf_FastPathTextReachesDetectors()
    {
        var pdf = HandWrittenPdf(Font, "BT 40 700 Td (IBAN FR14 2004 1010 0505 0001 3M02 606) Tj ET", compress: true);

        var extracted = new ContentExtractor().ExtractDocument(new MemoryStream(pdf), "rib.pdf", "application/pdf");

        Assert.Contains("FR14 2004 1010 0505 0001 3M02 606", Assert.Single(extracted.Parts).Text, StringComparison.Ordinal);
        Assert.Empty(extracted.Unscannable);
    }

    private static ExtractionSession Session() => new(ExtractionLimits.Default, TimeProvider.System, CancellationToken.None);

    private static string[] Words(string text) => text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    private static byte[] MultiPagePdf(string[] lines, int linesPerPage)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var pageLines in lines.Chunk(linesPerPage))
        {
            var page = builder.AddPage(595, 842);
            var y = 800.0;
            foreach (var line in pageLines)
            {
                page.AddText(line, 9, new PdfPoint(30, y), font);
                y -= 12;
            }
        }

        return builder.Build();
    }

    /// <summary>A one-page PDF with <paramref name="font"/> as F1 and <paramref name="content"/> as its content stream, xref offsets included.</summary>
    private static byte[] HandWrittenPdf(string font, string content, bool compress)
    {
        var contentBytes = Encoding.Latin1.GetBytes(content);
        if (compress)
        {
            using var packed = new MemoryStream();
            using (var zlib = new ZLibStream(packed, CompressionLevel.Optimal, leaveOpen: true))
            {
                zlib.Write(contentBytes);
            }

            contentBytes = packed.ToArray();
        }

        var file = new MemoryStream();
        var offsets = new List<long>();
        void Write(string s) => file.Write(Encoding.Latin1.GetBytes(s));
        Write("%PDF-1.4\n");
        string[] objects =
        [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            font,
        ];
        for (var i = 0; i < objects.Length; i++)
        {
            offsets.Add(file.Position);
            Write($"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        offsets.Add(file.Position);
        Write($"5 0 obj\n<< /Length {contentBytes.Length}{(compress ? " /Filter /FlateDecode" : "")} >>\nstream\n");
        file.Write(contentBytes);
        Write("\nendstream\nendobj\n");
        var xref = file.Position;
        Write($"xref\n0 {offsets.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            Write($"{offset:0000000000} 00000 n \n");
        }

        Write($"trailer\n<< /Size {offsets.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return file.ToArray();
    }
}
