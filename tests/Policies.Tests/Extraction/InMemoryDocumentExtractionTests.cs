using System.Text;
using Sovereignty.Policies.Extraction;
using static Sovereignty.Policies.Tests.Extraction.TestFiles;

namespace Sovereignty.Policies.Tests.Extraction;

/// <summary>
/// <see cref="ContentExtractor.ExtractDocument(ReadOnlyMemory{byte}, string, string?, CancellationToken)"/>
/// reads the caller's buffer in place (the document proxy's inspection window): it must find
/// exactly what the stream overload finds, within the same limits, and leave the buffer as it was.
/// </summary>
public sealed class InMemoryDocumentExtractionTests
{
    private const string Iban = "FR1420041010050500013M02606";

    public static TheoryData<string, string?> Documents => new()
    {
        { "rib.docx", null },
        { "releve.pdf", "application/pdf" },
        { "archive.zip", "application/zip" },
        { "notes.txt", "text/plain" },
        { "label.docx", null },
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void ExtractDocument_FromMemory_FindsWhatTheStreamOverloadFinds(string name, string? type)
    {
        byte[] data = Sample(name);
        var extractor = new ContentExtractor();

        var fromStream = extractor.ExtractDocument(new MemoryStream(data), name, type);
        var fromMemory = extractor.ExtractDocument(data.AsMemory(), name, type);

        Assert.NotEmpty(fromMemory.Parts.Concat<object>(fromMemory.UserLabels));
        Assert.Equal(Describe(fromStream), Describe(fromMemory));
    }

    [Fact]
    public void ExtractDocument_SliceOfALargerBuffer_ReadsOnlyTheSliceAndLeavesTheBufferUnchanged()
    {
        byte[] document = Docx($"IBAN {Iban}");
        byte[] buffer = new byte[document.Length + 200];
        Random.Shared.NextBytes(buffer);
        document.CopyTo(buffer, 100);
        byte[] before = (byte[])buffer.Clone();

        var content = new ContentExtractor().ExtractDocument(buffer.AsMemory(100, document.Length), "rib.docx", null);

        Assert.Contains(content.Parts, p => p.Text.Contains(Iban, StringComparison.Ordinal));
        Assert.Equal(document.Length, Assert.Single(content.Attachments).Length);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void ExtractDocument_FromMemoryOverTheByteBudget_NothingScannedAndTheLimitReported()
    {
        byte[] text = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"IBAN {Iban} ", 100)));
        var limits = new ExtractionLimits { MaxTotalBytes = text.Length - 1 };

        var content = new ContentExtractor(limits).ExtractDocument(text.AsMemory(), "notes.txt", "text/plain");

        Assert.Empty(content.Parts);
        var refused = Assert.Single(content.Unscannable);
        Assert.Equal((UnscannableReason.LimitExceeded, "document:notes.txt"), (refused.Reason, refused.Location));
        Assert.Contains($"more than {limits.MaxTotalBytes} bytes", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(-1, Assert.Single(content.Attachments).Length);
        Assert.Equal(Describe(new ContentExtractor(limits).ExtractDocument(new MemoryStream(text), "notes.txt", "text/plain")), Describe(content));
    }

    private static byte[] Sample(string name) => name switch
    {
        "rib.docx" => Docx("Coordonnées bancaires", $"IBAN {Iban}"),
        "releve.pdf" => Pdf("Relevé de compte", $"IBAN {Iban}"),
        "archive.zip" => Zip(("rib.docx", Docx($"IBAN {Iban}")), ("lisez-moi.txt", Encoding.UTF8.GetBytes("Pièces jointes du dossier"))),
        "notes.txt" => Encoding.UTF8.GetBytes($"Compte rendu : IBAN {Iban}, € café"),
        "label.docx" => WithLabels(Docx("texte"), "Confidentiel", labelInfo: true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    // Everything a classification uses, in a comparable form.
    private static string Describe(ExtractedContent content) => string.Join('\n',
        content.Parts.Select(p => $"part {p.Location} {p.ContentType} {p.Text}")
            .Concat(content.Unscannable.Select(u => $"unscannable {u.Location} {u.Reason} {u.Detail}"))
            .Concat(content.UserLabels.Select(l => $"label {l.Source} {l.Value} {l.Id} {l.Location}"))
            .Concat(content.Attachments.Select(a => $"attachment {a.Location} {a.FileName} {a.ContentType} {a.Length}")));
}
