using System.IO.Compression;
using System.Text;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// The fast path for PDF text: finds the file's streams, inflates them within the extraction
/// limits, and reads the text-showing operators (<c>Tj</c>, <c>TJ</c>, <c>'</c>, <c>"</c>) of
/// content streams, decoding string bytes with the standard Latin encoding (WinAnsi). No
/// glyph positions, fonts or page objects are built, which is where PdfPig spends its time
/// and memory.
/// </summary>
/// <remarks>
/// It only answers for files whose text that decoding gets right: simple fonts with a
/// standard encoding. A file with composite (Type0 / Identity) or Type 3 fonts, custom
/// encodings (<c>/Differences</c>), <c>/ToUnicode</c> maps, embedded Type 1 programs (whose
/// built-in encodings are arbitrary), encryption, or a stream filter other than Flate (images
/// aside) returns null, and so does one where no text operator was found (a misread file must
/// not pass as empty): the caller then uses PdfPig. Streams are taken in file order, which
/// for the producers seen is page order; text of objects replaced by an incremental update is
/// read as well, which can only add to what is scanned.
/// </remarks>
internal static class PdfContentText
{
    // Markers of fonts or files whose text bytes do not map through WinAnsi. Searched in the
    // file's uncompressed bytes and in decoded object streams (where dictionaries may be).
    private static readonly byte[][] FallbackMarkers =
    [
        "/Encrypt"u8.ToArray(), "/Type0"u8.ToArray(), "/Identity-"u8.ToArray(), "/Type3"u8.ToArray(),
        "/Differences"u8.ToArray(), "/ToUnicode"u8.ToArray(), "/FontFile "u8.ToArray(), "/FontFile\n"u8.ToArray(),
        "/FontFile\r"u8.ToArray(), "/FontFile/"u8.ToArray(),
    ];

    private static readonly byte[] StreamKeyword = "stream"u8.ToArray();
    private static readonly byte[] EndStreamKeyword = "endstream"u8.ToArray();
    private static readonly byte[] ObjKeyword = " obj"u8.ToArray();

    // Image and font-program streams hold no content text and are skipped undecoded. (Not
    // /Length1 alone: PdfPig writes it on content streams; TrueType programs are recognised
    // by their signature once inflated.)
    private static readonly byte[][] SkippedStreamMarkers =
    [
        "/Image"u8.ToArray(), "/DCTDecode"u8.ToArray(), "/JPXDecode"u8.ToArray(), "/CCITTFaxDecode"u8.ToArray(),
        "/JBIG2Decode"u8.ToArray(), "/Length2"u8.ToArray(), "/FontFile"u8.ToArray(),
        "/Type1C"u8.ToArray(), "/CIDFontType0C"u8.ToArray(), "/OpenType"u8.ToArray(), "/XRef"u8.ToArray(),
        "/Metadata"u8.ToArray(), "/EmbeddedFile"u8.ToArray(),
    ];

    private static readonly char[] WinAnsi = BuildWinAnsi();

    /// <summary>The text of <paramref name="data"/>, or null when PdfPig must read the file.</summary>
    public static string? TryExtract(ExtractionSession session, byte[] data, string location)
    {
        var file = data.AsSpan();
        if (ContainsAny(file, FallbackMarkers))
        {
            return null;
        }

        var text = new StringBuilder();
        var textOperators = 0;
        var position = 0;
        while (position < file.Length)
        {
            var found = file[position..].IndexOf(StreamKeyword);
            if (found < 0)
            {
                break;
            }

            var keyword = position + found;
            position = keyword + StreamKeyword.Length;
            if (!IsStreamStart(file, keyword, out var dataStart))
            {
                continue; // "endstream", or the word inside other data
            }

            var end = file[dataStart..].IndexOf(EndStreamKeyword);
            if (end < 0)
            {
                return null;
            }

            position = dataStart + end + EndStreamKeyword.Length;
            var dictionary = DictionaryBefore(file, keyword);
            if (ContainsAny(dictionary, SkippedStreamMarkers))
            {
                continue;
            }

            if (!session.Continue(location))
            {
                return text.ToString();
            }

            var isObjectStream = dictionary.IndexOf("/ObjStm"u8) >= 0;
            var decoded = Decode(session, dictionary, data, dataStart, end, location, out var supported);
            if (!supported)
            {
                return null;
            }

            if (decoded is null)
            {
                return text.ToString(); // a limit was reached and recorded: what was read so far
            }

            if (isObjectStream)
            {
                if (ContainsAny(decoded, FallbackMarkers))
                {
                    return null;
                }

                continue;
            }

            if (IsFontProgram(decoded))
            {
                continue;
            }

            textOperators += ContentStreamText.Read(decoded, text, WinAnsi);
            if (text.Length > session.Limits.MaxTextCharsPerPart)
            {
                break;
            }
        }

        return textOperators == 0 ? null : text.ToString();
    }

    /// <summary>"stream" as a keyword: after the dictionary's "&gt;&gt;" and followed by CRLF or LF.</summary>
    private static bool IsStreamStart(ReadOnlySpan<byte> file, int keyword, out int dataStart)
    {
        dataStart = 0;
        var before = keyword - 1;
        while (before >= 0 && IsWhite(file[before]))
        {
            before--;
        }

        if (before < 1 || file[before] != '>' || file[before - 1] != '>')
        {
            return false;
        }

        var after = keyword + StreamKeyword.Length;
        if (after < file.Length && file[after] == '\r')
        {
            after++;
        }

        if (after >= file.Length || file[after] != '\n')
        {
            return false;
        }

        dataStart = after + 1;
        return true;
    }

    /// <summary>The bytes from the object header (" obj") before the stream keyword to it: the stream's dictionary.</summary>
    private static ReadOnlySpan<byte> DictionaryBefore(ReadOnlySpan<byte> file, int keyword)
    {
        var window = Math.Min(keyword, 4096);
        var span = file.Slice(keyword - window, window);
        var obj = span.LastIndexOf(ObjKeyword);
        return obj < 0 ? span : span[(obj + ObjKeyword.Length)..];
    }

    /// <summary>Inflates (or copies) the stream within the limits; <paramref name="supported"/> is false for any other filter.</summary>
    private static byte[]? Decode(ExtractionSession session, ReadOnlySpan<byte> dictionary, byte[] data, int start, int length, string location, out bool supported)
    {
        var hasFilter = dictionary.IndexOf("/Filter"u8) >= 0;
        var flate = dictionary.IndexOf("/FlateDecode"u8) >= 0;
        var predictor = dictionary.IndexOf("/Predictor"u8) >= 0;
        var otherFilters = dictionary.IndexOf("/LZWDecode"u8) >= 0 || dictionary.IndexOf("/ASCII"u8) >= 0
            || dictionary.IndexOf("/RunLengthDecode"u8) >= 0 || dictionary.IndexOf("/Crypt"u8) >= 0;
        supported = !otherFilters && !predictor && (!hasFilter || flate);
        if (!supported)
        {
            return null;
        }

        if (!flate)
        {
            return data.AsSpan(start, length).ToArray();
        }

        try
        {
            return session.Capture(location, length, (target, cancellationToken) =>
            {
                using var zlib = new ZLibStream(new MemoryStream(data, start, length, writable: false), CompressionMode.Decompress);
                zlib.CopyTo(target, 65536);
            });
        }
        catch (InvalidDataException)
        {
            // A stream that does not inflate: PdfPig decides whether the file is corrupt.
            supported = false;
            return null;
        }
    }

    /// <summary>TrueType / OpenType signatures: 00 01 00 00, "true", "OTTO", "ttcf".</summary>
    private static bool IsFontProgram(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && (data[..4].SequenceEqual((ReadOnlySpan<byte>)[0, 1, 0, 0]) || data[..4].SequenceEqual("true"u8)
            || data[..4].SequenceEqual("OTTO"u8) || data[..4].SequenceEqual("ttcf"u8));

    private static bool ContainsAny(ReadOnlySpan<byte> data, byte[][] markers)
    {
        foreach (var marker in markers)
        {
            if (data.IndexOf(marker) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsWhite(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0;

    private static char[] BuildWinAnsi()
    {
        var map = new char[256];
        for (var i = 0; i < 256; i++)
        {
            map[i] = (char)i; // Latin-1 for the printable ranges
        }

        // Windows-1252's 0x80-0x9F block (PDF WinAnsiEncoding).
        const string high = "€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFDŽ\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFDžŸ";
        for (var i = 0; i < 32; i++)
        {
            map[0x80 + i] = high[i];
        }

        return map;
    }
}
