using System.Buffers;
using System.Buffers.Text;
using MimeKit;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Decodes a base64 MIME part in one piece: a first pass over the encoded bytes gives the exact
/// decoded length, a second decodes them chunk by chunk straight into an array of that length.
/// No buffer the size of the part is needed besides the result (a part's encoded bytes used to
/// be copied whole into a pooled buffer, decoded in place, then copied out), and MimeKit's filter
/// streams and growing buffer are bypassed. Only strict base64 (line breaks, spaces and tabs
/// allowed) is decoded here; anything else (junk characters, padding in the middle, a
/// non-seekable or oversized source) is left to the streaming decoder, which is lenient and
/// enforces the limits byte by byte.
/// </summary>
internal static class Base64Content
{
    // Large enough to keep the decoder on its vectorised path, small enough for the shared pool.
    private const int DefaultChunkSize = 64 << 10;

    /// <summary>
    /// The decoded bytes of <paramref name="content"/>, accounted in the session's byte budget;
    /// null when the content is not base64 or cannot be decoded in one piece within the budget
    /// (nothing is recorded or accounted then: the caller decodes it the streaming way).
    /// </summary>
    public static byte[]? TryDecode(ExtractionSession session, string location, IMimeContent content) =>
        TryDecode(session, location, content, DefaultChunkSize);

    /// <summary>As <see cref="TryDecode(ExtractionSession, string, IMimeContent)"/>, reading <paramref name="chunkSize"/> bytes at a time (tests use tiny chunks).</summary>
    internal static byte[]? TryDecode(ExtractionSession session, string location, IMimeContent content, int chunkSize)
    {
        if (content.Encoding != ContentEncoding.Base64 || content.Stream is not { CanSeek: true } stream
            || stream.Length > Array.MaxLength || !session.Continue(location))
        {
            return null;
        }

        // Room for a chunk plus the up to 7 characters held back from the one before.
        var buffer = ArrayPool<byte>.Shared.Rent(chunkSize + 8);
        try
        {
            var length = DecodedLength(stream, buffer.AsSpan(0, chunkSize));
            if (length < 0 || !session.TryReserve(length))
            {
                return null;
            }

            var decoded = GC.AllocateUninitializedArray<byte>(length);
            var complete = false;
            try
            {
                complete = DecodeInto(stream, buffer, chunkSize, decoded);
            }
            finally
            {
                if (!complete)
                {
                    session.Release(length);
                }
            }

            return complete ? decoded : null;
        }
        catch (IOException)
        {
            // Unreadable: the streaming decoder reports what it can.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The exact number of bytes the encoded stream decodes to, from its count of non-blank
    /// characters and its trailing padding; -1 when that count is not a whole number of
    /// 4-character quanta (not strict base64).
    /// </summary>
    private static int DecodedLength(Stream stream, Span<byte> chunk)
    {
        stream.Seek(0, SeekOrigin.Begin);
        long characters = 0;
        var padding = 0;
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            var data = chunk[..read];
            characters += read - data.Count((byte)'\n') - data.Count((byte)'\r') - data.Count((byte)' ') - data.Count((byte)'\t');

            // Padding counts only at the very end: remember the '=' after the last other character.
            var last = data.LastIndexOfAnyExcept("\r\n \t="u8);
            if (last >= 0)
            {
                padding = data[(last + 1)..].Count((byte)'=');
            }
            else
            {
                padding += data.Count((byte)'=');
            }
        }

        if (characters % 4 != 0 || padding > 2)
        {
            return -1;
        }

        var length = characters / 4 * 3 - padding;
        return length > Array.MaxLength ? -1 : (int)length;
    }

    // Decodes the stream chunk by chunk into decoded, which must come out exactly full.
    private static bool DecodeInto(Stream stream, byte[] buffer, int chunkSize, byte[] decoded)
    {
        stream.Seek(0, SeekOrigin.Begin);
        var carried = 0;
        var written = 0;
        int read;
        while ((read = stream.Read(buffer, carried, chunkSize)) > 0)
        {
            var compact = carried + RemoveBlanks(buffer.AsSpan(carried, read));

            // The last whole quantum is held back: it may be padded, which only a final block may be.
            var whole = compact - (compact % 4);
            var now = Math.Max(whole - 4, 0);
            if (Base64.DecodeFromUtf8(buffer.AsSpan(0, now), decoded.AsSpan(written), out var consumed, out var count, isFinalBlock: false) is not (OperationStatus.Done or OperationStatus.NeedMoreData)
                || consumed != now)
            {
                return false;
            }

            written += count;
            carried = compact - now;
            buffer.AsSpan(now, carried).CopyTo(buffer);
        }

        var final = Base64.DecodeFromUtf8(buffer.AsSpan(0, carried), decoded.AsSpan(written), out var lastConsumed, out var lastCount, isFinalBlock: true);
        written += lastCount;
        return final == OperationStatus.Done && lastConsumed == carried && written == decoded.Length;
    }

    // Moves the base64 characters of a chunk together, dropping line breaks, spaces and tabs.
    private static int RemoveBlanks(Span<byte> encoded)
    {
        var read = 0;
        var write = 0;
        while (read < encoded.Length)
        {
            var blank = encoded[read..].IndexOfAny("\r\n \t"u8);
            var run = blank < 0 ? encoded.Length - read : blank;
            if (write != read)
            {
                encoded.Slice(read, run).CopyTo(encoded[write..]);
            }

            write += run;
            read += run;
            while (read < encoded.Length && encoded[read] is (byte)'\r' or (byte)'\n' or (byte)' ' or (byte)'\t')
            {
                read++;
            }
        }

        return write;
    }
}
