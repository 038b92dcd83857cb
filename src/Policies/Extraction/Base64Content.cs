using System.Buffers;
using System.Buffers.Text;
using MimeKit;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Decodes a base64 MIME part in one piece: the encoded bytes are read into a pooled buffer
/// and decoded in place, instead of going through MimeKit's filter streams and a growing
/// buffer. Only strict base64 (line breaks and spaces allowed) is decoded here; anything else
/// (junk characters, a non-seekable or oversized source) is left to the streaming decoder,
/// which is lenient and enforces the limits byte by byte.
/// </summary>
internal static class Base64Content
{
    /// <summary>
    /// The decoded bytes of <paramref name="content"/>, accounted in the session's byte budget;
    /// null when the content is not base64 or cannot be decoded in one piece within the budget
    /// (nothing is recorded or accounted then: the caller decodes it the streaming way).
    /// </summary>
    public static byte[]? TryDecode(ExtractionSession session, string location, IMimeContent content)
    {
        if (content.Encoding != ContentEncoding.Base64 || content.Stream is not { CanSeek: true } stream
            || stream.Length > Array.MaxLength || !session.Continue(location))
        {
            return null;
        }

        var encodedLength = (int)stream.Length;
        if (!session.TryReserve(Base64.GetMaxDecodedFromUtf8Length(encodedLength)))
        {
            return null;
        }

        var buffer = PooledBytes.Take(encodedLength);
        try
        {
            stream.Seek(0, SeekOrigin.Begin);
            stream.ReadExactly(buffer, 0, encodedLength);
            var compact = RemoveLineBreaks(buffer.AsSpan(0, encodedLength));
            if (Base64.DecodeFromUtf8InPlace(buffer.AsSpan(0, compact), out var written) != OperationStatus.Done)
            {
                session.Release(Base64.GetMaxDecodedFromUtf8Length(encodedLength));
                return null;
            }

            session.Release(Base64.GetMaxDecodedFromUtf8Length(encodedLength) - written);
            return buffer.AsSpan(0, written).ToArray();
        }
        catch (IOException)
        {
            // Shorter than declared, or unreadable: the streaming decoder reports what it can.
            session.Release(Base64.GetMaxDecodedFromUtf8Length(encodedLength));
            return null;
        }
        finally
        {
            PooledBytes.Give(buffer);
        }
    }

    // The decoder skips white space too, but one character at a time: moving whole lines
    // together first keeps it on its vectorised path (MIME lines are 76 characters).
    private static int RemoveLineBreaks(Span<byte> encoded)
    {
        var read = 0;
        var write = 0;
        while (read < encoded.Length)
        {
            var lineBreak = encoded[read..].IndexOfAny((byte)'\r', (byte)'\n');
            var line = lineBreak < 0 ? encoded.Length - read : lineBreak;
            if (write != read)
            {
                encoded.Slice(read, line).CopyTo(encoded[write..]);
            }

            write += line;
            read += line;
            while (read < encoded.Length && encoded[read] is (byte)'\r' or (byte)'\n')
            {
                read++;
            }
        }

        return write;
    }
}
