using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using A = DocumentFormat.OpenXml.Drawing;
using P = DocumentFormat.OpenXml.Presentation;
using S = DocumentFormat.OpenXml.Spreadsheet;
using W = DocumentFormat.OpenXml.Wordprocessing;

namespace Sovereignty.Policies.Tests.Extraction;

/// <summary>Real files generated at test time with the format libraries themselves.</summary>
internal static class TestFiles
{
    public const string LabelId = "a1b2c3d4-1111-2222-3333-444455556666";

    public static byte[] Docx(params string[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new W.Document(new W.Body(paragraphs.Select(p => new W.Paragraph(new W.Run(new W.Text(p))))));
        }

        return stream.ToArray();
    }

    public static byte[] Xlsx(string sharedString, string number)
    {
        using var stream = new MemoryStream();
        using (var document = SpreadsheetDocument.Create(stream, SpreadsheetDocumentType.Workbook))
        {
            var workbook = document.AddWorkbookPart();
            workbook.Workbook = new S.Workbook();
            var strings = workbook.AddNewPart<SharedStringTablePart>();
            strings.SharedStringTable = new S.SharedStringTable(new S.SharedStringItem(new S.Text(sharedString)));
            var sheetPart = workbook.AddNewPart<WorksheetPart>();
            sheetPart.Worksheet = new S.Worksheet(new S.SheetData(new S.Row(
                new S.Cell { CellReference = "A1", DataType = S.CellValues.SharedString, CellValue = new S.CellValue("0") },
                new S.Cell { CellReference = "B1", CellValue = new S.CellValue(number) })));
            workbook.Workbook.AppendChild(new S.Sheets(new S.Sheet { Id = workbook.GetIdOfPart(sheetPart), SheetId = 1, Name = "Feuil1" }));
        }

        return stream.ToArray();
    }

    public static byte[] Pptx(string slideText, string notesText)
    {
        using var stream = new MemoryStream();
        using (var document = PresentationDocument.Create(stream, PresentationDocumentType.Presentation))
        {
            var presentation = document.AddPresentationPart();
            presentation.Presentation = new P.Presentation();
            var slide = presentation.AddNewPart<SlidePart>();
            slide.Slide = new P.Slide(new P.CommonSlideData(new P.ShapeTree(new P.Shape(
                new P.NonVisualShapeProperties(new P.NonVisualDrawingProperties { Id = 2U, Name = "Titre" }, new P.NonVisualShapeDrawingProperties(), new P.ApplicationNonVisualDrawingProperties()),
                new P.ShapeProperties(),
                new P.TextBody(new A.BodyProperties(), new A.Paragraph(new A.Run(new A.Text(slideText))))))));
            var notes = slide.AddNewPart<NotesSlidePart>();
            notes.NotesSlide = new P.NotesSlide(new P.CommonSlideData(new P.ShapeTree(new P.Shape(
                new P.NonVisualShapeProperties(new P.NonVisualDrawingProperties { Id = 3U, Name = "Notes" }, new P.NonVisualShapeDrawingProperties(), new P.ApplicationNonVisualDrawingProperties()),
                new P.ShapeProperties(),
                new P.TextBody(new A.BodyProperties(), new A.Paragraph(new A.Run(new A.Text(notesText))))))));
        }

        return stream.ToArray();
    }

    /// <summary>Adds the sensitivity label metadata Office writes: MSIP custom properties and LabelInfo.xml.</summary>
    public static byte[] WithLabels(byte[] package, string labelName, bool labelInfo)
    {
        using var stream = new MemoryStream();
        stream.Write(package);
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Update, leaveOpen: true))
        {
            var custom = $$"""
                <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
                <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">
                  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="MSIP_Label_{{LabelId}}_Enabled"><vt:lpwstr>true</vt:lpwstr></property>
                  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="3" name="MSIP_Label_{{LabelId}}_Name"><vt:lpwstr>{{labelName}}</vt:lpwstr></property>
                  <property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="4" name="MSIP_Label_{{LabelId}}_SiteId"><vt:lpwstr>0f0f0f0f-0000-0000-0000-000000000000</vt:lpwstr></property>
                </Properties>
                """;
            Write(zip, "docProps/custom.xml", custom);
            if (labelInfo)
            {
                Write(zip, "docMetadata/LabelInfo.xml", """
                    <?xml version="1.0" encoding="utf-8" standalone="yes"?>
                    <clbl:labelList xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata"><clbl:label id="{99999999-8888-7777-6666-555555555555}" enabled="1" method="Privileged" siteId="{0f0f0f0f-0000-0000-0000-000000000000}" removed="0" /></clbl:labelList>
                    """);
            }
        }

        return stream.ToArray();
    }

    public static byte[] Pdf(params string[] lines)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var page = builder.AddPage(595, 842);
        var y = 780.0;
        foreach (var line in lines)
        {
            page.AddText(line, 12, new PdfPoint(40, y), font);
            y -= 20;
        }

        return builder.Build();
    }

    public static byte[] Zip(params (string Name, byte[] Content)[] entries) => Zip(CompressionLevel.Optimal, entries);

    public static byte[] Zip(CompressionLevel level, params (string Name, byte[] Content)[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var entry = zip.CreateEntry(name, level).Open();
                entry.Write(content);
            }
        }

        return stream.ToArray();
    }

    /// <summary>
    /// A zip whose entries carry the "encrypted" flag (general purpose bit 0) in both the local
    /// and the central directory headers, as a ZipCrypto/AES archive does. System.IO.Compression
    /// cannot encrypt; the flag is what readers (and this extractor) go by.
    /// </summary>
    public static byte[] EncryptedZip(params (string Name, byte[] Content)[] entries)
    {
        var zip = Zip(CompressionLevel.NoCompression, entries);
        for (var i = 0; i + 4 <= zip.Length; i++)
        {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 0x03 && zip[i + 3] == 0x04)
            {
                zip[i + 6] |= 1; // local file header: flags at offset 6
            }
            else if (zip[i] == 0x50 && zip[i + 1] == 0x4B && zip[i + 2] == 0x01 && zip[i + 3] == 0x02)
            {
                zip[i + 8] |= 1; // central directory header: flags at offset 8
            }
        }

        return zip;
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static void Write(ZipArchive zip, string name, string content)
    {
        zip.GetEntry(name)?.Delete();
        using var writer = new StreamWriter(zip.CreateEntry(name).Open(), new UTF8Encoding(false));
        writer.Write(content);
    }
}
