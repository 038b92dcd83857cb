using System.IO.Compression;
using System.Xml;
using Sovereignty.Policies.Extraction.Labels;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// Text of Office Open XML packages (docx, xlsx, pptx and their macro/template variants) read
/// straight from the package's XML parts with a bounded, DTD-free XmlReader: document body,
/// headers, footers, notes, comments, shared strings, worksheets, slides and notes, document
/// properties. Each XML part becomes its own content part (location
/// <c>…/report.docx/word/document.xml</c>). Embedded files are extracted recursively. The
/// sensitivity label metadata (<c>docProps/custom.xml</c> MSIP properties,
/// <c>docMetadata/LabelInfo.xml</c>) becomes user labels.
/// </summary>
internal static class OfficeReader
{
    public const string LabelSource = "office-metadata";

    private const string LabelInfoNamespace = "http://schemas.microsoft.com/office/2020/mipLabelMetadata";

    // Parts that hold layout, not content; their text would only be noise.
    private static readonly string[] SkippedNames =
    [
        "styles", "theme", "settings", "fontTable", "webSettings", "numbering", "presProps", "viewProps",
        "tableStyles", "slideMaster", "slideLayout", "notesMaster", "handoutMaster", "calcChain", "printerSettings",
        "commentAuthors", "stylesWithEffects", "app.xml", "customXml", "[Content_Types]", "_rels",
    ];

    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = true,
    };

    public static void Extract(ExtractionSession session, ZipArchive package, string location, int depth)
    {
        var labels = new Dictionary<string, MsipLabels.Label>(StringComparer.Ordinal);
        foreach (var entry in package.Entries)
        {
            var name = entry.FullName;
            if (name.EndsWith('/'))
            {
                continue;
            }

            var entryLocation = location + "/" + ExtractionNames.Clean(name);
            if (entry.IsEncrypted)
            {
                session.AddUnscannable(entryLocation, UnscannableReason.Encrypted, "encrypted package part");
                continue;
            }

            if (IsEmbedding(name))
            {
                if (!session.CountPart(entryLocation))
                {
                    return;
                }

                session.AddAttachment(new AttachmentInfo(entryLocation, entry.Name, string.Empty, entry.Length));
                using var embedded = ZipReader.ReadEntry(session, entry, entryLocation);
                if (embedded is not null && session.EnterDepth(depth + 1, entryLocation))
                {
                    DocumentReader.Extract(session, embedded.Segment, entry.Name, null, entryLocation, depth + 1);
                }

                continue;
            }

            var isCustomProperties = name.Equals("docProps/custom.xml", StringComparison.OrdinalIgnoreCase);
            var isLabelInfo = name.Equals("docMetadata/LabelInfo.xml", StringComparison.OrdinalIgnoreCase);
            if (!isCustomProperties && !isLabelInfo && !IsContentPart(name))
            {
                continue;
            }

            if (!session.CountPart(entryLocation))
            {
                return;
            }

            using var pooled = ZipReader.ReadEntry(session, entry, entryLocation);
            if (pooled is null)
            {
                continue;
            }

            var bytes = pooled.Segment;
            try
            {
                if (isLabelInfo)
                {
                    ReadLabelInfo(bytes, labels);
                    continue;
                }

                if (isCustomProperties)
                {
                    foreach (var label in MsipLabels.FromProperties(ReadCustomProperties(bytes)))
                    {
                        labels[label.Id] = label;
                    }
                }

                var text = ReadText(session, bytes, entryLocation, isSharedOrSheet: name.StartsWith("xl/", StringComparison.Ordinal));
                if (text.Length > 0)
                {
                    session.AddText(entryLocation, "application/xml", text);
                }
            }
            catch (XmlException e)
            {
                session.AddUnscannable(entryLocation, UnscannableReason.Corrupt, "malformed XML: " + e.Message);
            }
        }

        foreach (var label in labels.Values)
        {
            session.AddLabel(new UserLabel(LabelSource, label.Name ?? label.Id, location) { Id = label.Id });
        }
    }

    private static bool IsEmbedding(string name) =>
        name.Contains("/embeddings/", StringComparison.OrdinalIgnoreCase);

    private static bool IsContentPart(string name)
    {
        if (!name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var skipped in SkippedNames)
        {
            if (name.Contains(skipped, StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return name.StartsWith("word/", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("xl/", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("ppt/", StringComparison.OrdinalIgnoreCase)
            || name.Equals("docProps/core.xml", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Character data of an XML part, with tabs between cells and line breaks between paragraphs and rows.</summary>
    private static string ReadText(ExtractionSession session, ArraySegment<byte> xml, string location, bool isSharedOrSheet)
    {
        // The text is at most as long as the XML, and is not read past the per-part limit.
        var limit = session.Limits.MaxTextCharsPerPart;
        using var builder = new PooledText((int)Math.Min(xml.Count, limit + 1L));
        using var reader = XmlReader.Create(new MemoryStream(xml.Array!, xml.Offset, xml.Count, writable: false), ReaderSettings);
        var nodes = 0;
        var skipCellValue = false;
        var chunk = new char[4096];
        while (reader.Read())
        {
            if (++nodes % 4096 == 0 && !session.Continue(location))
            {
                break;
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    switch (reader.LocalName)
                    {
                        case "tab":
                            builder.Append('\t');
                            break;
                        case "br" or "cr":
                            builder.Append('\n');
                            break;
                        case "c" when isSharedOrSheet:
                            // A cell of type "s" holds an index into the shared strings, not text.
                            skipCellValue = reader.GetAttribute("t") == "s";
                            break;
                        case "v" when isSharedOrSheet && skipCellValue:
                            reader.Skip();
                            break;
                    }

                    break;
                case XmlNodeType.EndElement:
                    switch (reader.LocalName)
                    {
                        case "p" or "tr" or "row" or "si" or "txBody":
                            builder.Append('\n');
                            break;
                        case "tc" or "c":
                            builder.Append('\t');
                            break;
                    }

                    break;
                case XmlNodeType.Text or XmlNodeType.CDATA:
                    // Straight from the reader's buffer: no string per text node.
                    int read;
                    while (builder.Length <= limit && (read = reader.ReadValueChunk(chunk, 0, chunk.Length)) > 0)
                    {
                        builder.Append(chunk.AsSpan(0, Math.Min(read, limit + 1 - builder.Length)));
                    }

                    break;
            }

            if (builder.Length > limit)
            {
                break;
            }
        }

        return builder.ToString();
    }

    private static List<KeyValuePair<string, string>> ReadCustomProperties(ArraySegment<byte> xml)
    {
        var properties = new List<KeyValuePair<string, string>>();
        using var reader = XmlReader.Create(new MemoryStream(xml.Array!, xml.Offset, xml.Count, writable: false), ReaderSettings);
        string? name = null;
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "property")
            {
                name = reader.GetAttribute("name");
            }
            else if (reader.NodeType == XmlNodeType.Text && name is not null)
            {
                properties.Add(new(name, reader.Value));
                name = null;
            }
        }

        return properties;
    }

    // <clbl:label id="{GUID}" enabled="1" method="Standard" siteId="{GUID}" removed="0" />
    private static void ReadLabelInfo(ArraySegment<byte> xml, Dictionary<string, MsipLabels.Label> labels)
    {
        using var reader = XmlReader.Create(new MemoryStream(xml.Array!, xml.Offset, xml.Count, writable: false), ReaderSettings);
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "label" || reader.NamespaceURI != LabelInfoNamespace)
            {
                continue;
            }

            var id = reader.GetAttribute("id");
            var enabled = reader.GetAttribute("enabled");
            var removed = reader.GetAttribute("removed");
            if (id is null || enabled is not ("1" or "true") || removed is "1" or "true")
            {
                continue;
            }

            var key = MsipLabels.NormaliseId(id);
            if (!labels.ContainsKey(key))
            {
                labels[key] = new MsipLabels.Label(key, null, reader.GetAttribute("siteId"));
            }
        }
    }
}
