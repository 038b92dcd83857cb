using System.Buffers;
using System.Text;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// Finds the Message-ID header in a raw message without parsing the whole message, so
/// operators can match a queue entry with what the client logged.
/// </summary>
internal static class MessageIdReader
{
    private const int MaxScan = 64 * 1024;

    public static string? Find(ReadOnlySequence<byte> message)
    {
        var length = (int)Math.Min(message.Length, MaxScan);
        var text = Encoding.Latin1.GetString(message.Slice(0, length));
        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = headerEnd < 0 ? text : text[..headerEnd];
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Message-ID:", StringComparison.OrdinalIgnoreCase))
            {
                var value = line["Message-ID:".Length..].Trim();
                return value.Length is > 0 and <= 998 && value.All(c => c is > ' ' and <= '~') ? value : null;
            }
        }

        return null;
    }
}
