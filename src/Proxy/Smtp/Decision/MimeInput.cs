using System.Buffers;
using System.Runtime.InteropServices;
using MimeKit;

namespace Sovereignty.Proxy.Smtp.Decision;

/// <summary>
/// Parses the DATA bytes once, with MimeKit, straight from the listener's buffer (no copy when
/// it is one array segment, which is what the listener hands over), and writes a transformed
/// message back as CRLF bytes for the spool.
/// </summary>
internal static class MimeInput
{
    private static readonly FormatOptions s_wireFormat = CreateWireFormat();

    /// <summary>The parsed message, or null with the parser's error when the bytes are not MIME.</summary>
    public static MimeMessage? TryParse(ReadOnlySequence<byte> data, out string? error, CancellationToken cancellationToken)
    {
        using var stream = OpenRead(data);
        try
        {
            error = null;
            return MimeMessage.Load(stream, cancellationToken);
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    /// <summary>
    /// Serialises <paramref name="message"/> with CRLF line endings into one buffer whose bytes
    /// become the spooled message (the buffer is not copied again).
    /// </summary>
    public static async Task<ReadOnlySequence<byte>> WriteAsync(MimeMessage message, long sizeHint, CancellationToken cancellationToken)
    {
        // Encrypted output is the base64 of the input plus headers: about 4/3 of it.
        var output = new MemoryStream((int)Math.Min(Array.MaxLength, (sizeHint * 3 / 2) + 8192));
        await message.WriteToAsync(s_wireFormat, output, cancellationToken).ConfigureAwait(false);
        return new ReadOnlySequence<byte>(output.GetBuffer(), 0, (int)output.Length);
    }

    private static MemoryStream OpenRead(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment && MemoryMarshal.TryGetArray(data.First, out var segment))
        {
            return new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false);
        }

        return new MemoryStream(data.ToArray(), writable: false);
    }

    private static FormatOptions CreateWireFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}
