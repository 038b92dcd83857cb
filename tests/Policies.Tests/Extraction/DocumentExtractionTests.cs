using System.IO.Compression;
using Sovereignty.Policies.Detection;
using Sovereignty.Policies.Extraction;
using static Sovereignty.Policies.Tests.Extraction.TestFiles;

namespace Sovereignty.Policies.Tests.Extraction;

public sealed class DocumentExtractionTests
{
    private const string Iban = "FR1420041010050500013M02606";

    private static ExtractedContent Extract(byte[] data, string name, string? type = null, ExtractionLimits? limits = null, TimeProvider? time = null) =>
        new ContentExtractor(limits, time).ExtractDocument(new MemoryStream(data), name, type);

    private static string TextAt(ExtractedContent content, string location) =>
        Assert.Single(content.Parts, p => p.Location == location).Text;

    [Fact]
    public void ExtractDocument_Docx_BodyTextPerXmlPart()
    {
        var content = Extract(Docx("Coordonnées bancaires", $"IBAN {Iban}"), "rib.docx");
        Assert.Contains(Iban, TextAt(content, "document:rib.docx/word/document.xml"), StringComparison.Ordinal);
        Assert.Empty(content.Unscannable);
    }

    [Fact]
    public void ExtractDocument_DocxIbanFound_HitLocatedInXmlPart()
    {
        var content = Extract(Docx($"IBAN {Iban}"), "rib.docx");
        Assert.True(BuiltInDetectors.TryCreate("iban", DetectorSettings.Default, out var iban));
        var hit = Assert.Single(ContentScanner.Scan([iban], content).Hits);
        Assert.Equal("document:rib.docx/word/document.xml", hit.Location);
        Assert.Equal(TextAt(content, hit.Location).IndexOf(Iban, StringComparison.Ordinal), hit.Offset);
    }

    [Fact]
    public void ExtractDocument_Xlsx_SharedStringsAndNumbersButNotStringIndexes()
    {
        var content = Extract(Xlsx("Numéro de sécurité sociale", "185057800608436"), "paie.xlsx");
        Assert.Contains("Numéro de sécurité sociale", TextAt(content, "document:paie.xlsx/xl/sharedStrings.xml"), StringComparison.Ordinal);
        var sheet = Assert.Single(content.Parts, p => p.Location.StartsWith("document:paie.xlsx/xl/worksheets/", StringComparison.Ordinal)).Text;
        Assert.Contains("185057800608436", sheet, StringComparison.Ordinal);
        Assert.DoesNotContain("0\t", sheet, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtractDocument_Pptx_SlideAndNotesText()
    {
        var content = Extract(Pptx("Projet Atlas", "Diffusion Restreinte"), "deck.pptx");
        Assert.Contains(content.Parts, p => p.Location.Contains("/ppt/slides/", StringComparison.Ordinal) && p.Text.Contains("Projet Atlas", StringComparison.Ordinal));
        Assert.Contains(content.Parts, p => p.Location.Contains("/ppt/notesSlides/", StringComparison.Ordinal) && p.Text.Contains("Diffusion Restreinte", StringComparison.Ordinal));
        Assert.Contains(content.UserLabels, l => l.Source == "marking" && l.Value == "Diffusion Restreinte");
    }

    [Fact]
    public void ExtractDocument_OfficeLabelMetadata_UserLabelsWithNameAndId()
    {
        var content = Extract(WithLabels(Docx("texte"), "Confidentiel", labelInfo: true), "note.docx");
        var named = Assert.Single(content.UserLabels, l => l.Id == LabelId);
        Assert.Equal(("office-metadata", "Confidentiel", "document:note.docx"), (named.Source, named.Value, named.Location));
        var idOnly = Assert.Single(content.UserLabels, l => l.Id == "99999999-8888-7777-6666-555555555555");
        Assert.Equal("99999999-8888-7777-6666-555555555555", idOnly.Value);
    }

    [Fact]
    public void ExtractDocument_Pdf_TextOfEveryPage()
    {
        var content = Extract(Pdf("Releve d'identite bancaire", $"IBAN {Iban}"), "rib.pdf", "application/pdf");
        Assert.Contains(Iban, TextAt(content, "document:rib.pdf"), StringComparison.Ordinal);
        Assert.Empty(content.Unscannable);
    }

    [Fact]
    public void ExtractDocument_PasswordProtectedPdf_Encrypted()
    {
        var content = Extract(PasswordProtectedPdf(), "protege.pdf");
        var failure = Assert.Single(content.Unscannable);
        Assert.Equal(("document:protege.pdf", UnscannableReason.Encrypted), (failure.Location, failure.Reason));
        Assert.Empty(content.Parts);
    }

    [Fact]
    public void ExtractDocument_CorruptPdf_Corrupt()
    {
        var pdf = Pdf("texte");
        var corrupt = pdf[..40].Concat(new byte[200]).ToArray();
        var content = Extract(corrupt, "broken.pdf");
        var failure = Assert.Single(content.Unscannable);
        Assert.Equal(("document:broken.pdf", UnscannableReason.Corrupt), (failure.Location, failure.Reason));
    }

    [Fact]
    public void ExtractDocument_ZipWithNestedZipAndDocx_AllMembersExtracted()
    {
        var inner = Zip(("notes.txt", Utf8("TVA FR40303265045")), ("rib.docx", Docx($"IBAN {Iban}")));
        var outer = Zip(("dossier/inner.zip", inner), ("readme.txt", Utf8("Bonjour")));
        var content = Extract(outer, "envoi.zip");
        Assert.Contains(content.Parts, p => p.Location == "document:envoi.zip/readme.txt");
        Assert.Contains(content.Parts, p => p.Location == "document:envoi.zip/dossier/inner.zip/notes.txt");
        Assert.Contains(content.Parts, p => p.Location == "document:envoi.zip/dossier/inner.zip/rib.docx/word/document.xml" && p.Text.Contains(Iban, StringComparison.Ordinal));
        Assert.Equal(
            ["document:envoi.zip", "document:envoi.zip/dossier/inner.zip", "document:envoi.zip/dossier/inner.zip/notes.txt", "document:envoi.zip/dossier/inner.zip/rib.docx", "document:envoi.zip/readme.txt"],
            content.Attachments.Select(a => a.Location).Order(StringComparer.Ordinal));
        Assert.Empty(content.Unscannable);
    }

    [Fact]
    public void ExtractDocument_EncryptedZipEntry_EncryptedOthersStillScanned()
    {
        var zip = EncryptedZip(("secret.txt", Utf8("IBAN " + Iban)));
        var content = Extract(zip, "protected.zip");
        var failure = Assert.Single(content.Unscannable);
        Assert.Equal(("document:protected.zip/secret.txt", UnscannableReason.Encrypted), (failure.Location, failure.Reason));
        Assert.DoesNotContain(content.Parts, p => p.Text.Contains(Iban, StringComparison.Ordinal));
    }

    [Fact]
    public void ExtractDocument_ZipBomb_LimitExceededWithoutReadingItAll()
    {
        // 64 MiB of zeros deflate to about 64 KiB: a ratio near 1000:1.
        var bomb = Zip(("zeros.bin", new byte[64 << 20]), ("ok.txt", Utf8("lisible")));
        Assert.True(bomb.Length < 1 << 20);
        var content = Extract(bomb, "bomb.zip");
        var failure = Assert.Single(content.Unscannable);
        Assert.Equal(("document:bomb.zip/zeros.bin", UnscannableReason.LimitExceeded), (failure.Location, failure.Reason));
        Assert.Contains("expands", failure.Detail, StringComparison.Ordinal);
        Assert.Contains(content.Parts, p => p.Location == "document:bomb.zip/ok.txt");
    }

    [Fact]
    public void ExtractDocument_CorruptZip_Corrupt()
    {
        var zip = Zip(("a.txt", Utf8("texte")));
        var content = Extract(zip[..(zip.Length / 2)], "cut.zip");
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.Corrupt && u.Location == "document:cut.zip");
    }

    [Fact]
    public void ExtractDocument_NestingDeeperThanLimit_LimitExceeded()
    {
        var nested = Zip(("deep.txt", Utf8("fond")));
        for (var i = 0; i < 4; i++)
        {
            nested = Zip(($"level{i}.zip", nested));
        }

        var content = Extract(nested, "deep.zip", limits: new ExtractionLimits { MaxDepth = 3 });
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.LimitExceeded && u.Detail.Contains("nesting", StringComparison.Ordinal));
        Assert.DoesNotContain(content.Parts, p => p.Text.Contains("fond", StringComparison.Ordinal));
    }

    [Fact]
    public void ExtractDocument_TotalBytesLimit_StopsAndReports()
    {
        var zip = Zip(CompressionLevel.NoCompression, ("a.txt", new byte[600]), ("b.txt", new byte[600]));
        var content = Extract(zip, "big.zip", limits: new ExtractionLimits { MaxTotalBytes = 2000 });
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.LimitExceeded && u.Detail.Contains("bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void ExtractDocument_TooManyParts_StopsAndReports()
    {
        var zip = Zip([.. Enumerable.Range(0, 10).Select(i => ($"f{i}.txt", Utf8("x")))]);
        var content = Extract(zip, "many.zip", limits: new ExtractionLimits { MaxParts = 5 });
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.LimitExceeded && u.Detail.Contains("parts", StringComparison.Ordinal));
        Assert.True(content.Parts.Count < 5);
    }

    [Fact]
    public void ExtractDocument_TimeLimit_StopsAndReports()
    {
        var zip = Zip([.. Enumerable.Range(0, 10).Select(i => ($"f{i}.txt", Utf8("x")))]);
        var time = new SteppingTimeProvider(TimeSpan.FromMilliseconds(100));
        var content = Extract(zip, "slow.zip", limits: new ExtractionLimits { MaxTime = TimeSpan.FromSeconds(2) }, time: time);
        var failure = Assert.Single(content.Unscannable);
        Assert.Equal(UnscannableReason.LimitExceeded, failure.Reason);
        Assert.Contains("time limit", failure.Detail, StringComparison.Ordinal);
        Assert.InRange(content.Parts.Count, 1, 9);
    }

    [Fact]
    public void ExtractDocument_TextLongerThanPartLimit_TruncatedAndReported()
    {
        var content = Extract(Utf8(new string('a', 5000)), "long.txt", limits: new ExtractionLimits { MaxTextCharsPerPart = 1000 });
        Assert.Equal(1000, TextAt(content, "document:long.txt").Length);
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.LimitExceeded);
    }

    [Theory]
    [InlineData("é")] // 2 bytes
    [InlineData("€")] // 3 bytes
    [InlineData("𝄞")] // 4 bytes, a surrogate pair
    public void ExtractDocument_MultiByteTextLongerThanPartLimit_DecodedOnlyToTheLimitStillUtf8(string character)
    {
        var text = string.Concat(Enumerable.Repeat("a" + character, 20_000));

        var content = Extract(Utf8(text), "long.txt", limits: new ExtractionLimits { MaxTextCharsPerPart = 1000 });

        Assert.Equal(text[..1000], TextAt(content, "document:long.txt"));
        Assert.Contains(content.Unscannable, u => u.Reason == UnscannableReason.LimitExceeded);
    }

    [Fact]
    public void Decode_LimitGiven_DecodesOnlyAPrefixLongerThanTheLimit()
    {
        var data = Utf8(new string('x', 1_000_000));

        var text = Sovereignty.Policies.Extraction.Documents.DocumentReader.Decode(data, maxChars: 1000);

        Assert.InRange(text.Length, 1001, 3006);
    }

    [Fact]
    public void ExtractDocument_PasswordProtectedOffice_Encrypted()
    {
        // Encrypted OOXML is an OLE compound file holding an "EncryptionInfo" stream.
        byte[] ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, .. new byte[504], .. System.Text.Encoding.Unicode.GetBytes("EncryptionInfo"), .. new byte[100]];
        var content = Extract(ole, "salaires.xlsx");
        Assert.Equal(UnscannableReason.Encrypted, Assert.Single(content.Unscannable).Reason);
    }

    [Fact]
    public void ExtractDocument_Html_VisibleTextOnly()
    {
        const string html = "<html><head><title>Note</title><style>.x{}</style><script>var iban='hidden';</script></head><body><p>Très&nbsp;Secret</p><!-- commentaire --><div>fin</div></body></html>";
        var text = TextAt(Extract(Utf8(html), "page.html"), "document:page.html");
        Assert.Contains("fin", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden", text, StringComparison.Ordinal);
        Assert.DoesNotContain("commentaire", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".x{}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtractDocument_HtmlNestedBeyondParserLimit_CorruptNotThrown()
    {
        var html = "<html><body>" + string.Concat(Enumerable.Repeat("<div>", 5000)) + "x" + "</body></html>";
        var content = Extract(Utf8(html), "deep.html");
        Assert.Equal(("document:deep.html", UnscannableReason.Corrupt), content.Unscannable.Select(u => (u.Location, u.Reason)).Single());
    }

    [Fact]
    public void ExtractDocument_TextNotUtf8_DecodedAsWindows1252()
    {
        byte[] data = [0x80, 0x20, 0x63, 0x61, 0x66, 0xE9];
        Assert.Equal("€ café", TextAt(Extract(data, "notes.txt"), "document:notes.txt"));
    }

    [Fact]
    public void ExtractDocument_Image_ListedNotUnscannable()
    {
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52];
        var content = Extract(png, "logo.png", "image/png");
        Assert.Empty(content.Parts);
        Assert.Empty(content.Unscannable);
        Assert.Single(content.Attachments);
    }

    [Fact]
    public void Ctor_InvalidLimits_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ContentExtractor(new ExtractionLimits { MaxDepth = 0, MaxParts = 0 }));
    }

    /// <summary>A clock that moves forward by a fixed step each time it is read.</summary>
    private sealed class SteppingTimeProvider(TimeSpan step) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Interlocked.Add(ref _ticks, step.Ticks);
    }
}
