using System.IO.Compression;

namespace Sovereignty.Policies.Extraction.Documents;

/// <summary>
/// Zip archives: every member is listed and, when it is not encrypted and stays within the
/// limits, extracted recursively. A zip that is an Office Open XML package (it has
/// <c>[Content_Types].xml</c>) goes to <see cref="OfficeReader"/> instead.
/// </summary>
internal static class ZipReader
{
    public static void Extract(ExtractionSession session, ArraySegment<byte> data, string location, int depth)
    {
        if (!session.EnterDepth(depth + 1, location))
        {
            return;
        }

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(new MemoryStream(data.Array!, data.Offset, data.Count, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            session.AddUnscannable(location, UnscannableReason.Corrupt, "zip archive could not be read: " + e.Message);
            return;
        }

        using (archive)
        {
            try
            {
                if (archive.GetEntry("[Content_Types].xml") is not null)
                {
                    OfficeReader.Extract(session, archive, location, depth + 1);
                    return;
                }

                foreach (var entry in archive.Entries)
                {
                    if (entry.FullName.EndsWith('/'))
                    {
                        continue;
                    }

                    var memberLocation = location + "/" + ExtractionNames.Clean(entry.FullName);
                    if (!session.CountPart(memberLocation))
                    {
                        return;
                    }

                    session.AddAttachment(new AttachmentInfo(memberLocation, entry.Name, string.Empty, entry.Length));
                    if (entry.IsEncrypted)
                    {
                        session.AddUnscannable(memberLocation, UnscannableReason.Encrypted, "password-protected zip entry");
                        continue;
                    }

                    using var bytes = ReadEntry(session, entry, memberLocation);
                    if (bytes is not null)
                    {
                        DocumentReader.Extract(session, bytes.Segment, entry.Name, null, memberLocation, depth + 1);
                    }
                }
            }
            catch (InvalidDataException e)
            {
                session.AddUnscannable(location, UnscannableReason.Corrupt, "zip archive could not be read: " + e.Message);
            }
        }
    }

    /// <summary>
    /// Reads one entry within the limits, into a pooled buffer the caller disposes once the
    /// entry is extracted; null (recorded) when a limit or corruption stops it.
    /// </summary>
    internal static PooledBytes? ReadEntry(ExtractionSession session, ZipArchiveEntry entry, string location)
    {
        try
        {
            using var stream = entry.Open();
            return session.CapturePooled(location, entry.CompressedLength, stream, entry.Length);
        }
        catch (InvalidDataException e)
        {
            session.AddUnscannable(location, UnscannableReason.Corrupt, "zip entry could not be decompressed: " + e.Message);
            return null;
        }
    }
}
