using System.Buffers;
using System.Text;
using MimeKit;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>
/// Measures how deeply a message's MIME parts nest (a message that is not multipart and
/// not message/* has depth 1). Deep nesting is a classic parser denial of service for
/// whatever reads the message next (the policy's content extraction, the recipient).
/// </summary>
internal static class MimeDepth
{
    public static bool Exceeds(ReadOnlySequence<byte> message, int maxDepth)
    {
        if (!MayNest(message))
        {
            return maxDepth < 1;
        }

        using var stream = new MemoryStream(message.ToArray(), writable: false);
        var parsed = MimeMessage.Load(new ParserOptions { MaxMimeDepth = maxDepth + 2 }, stream);
        return Depth(parsed.Body, 1, maxDepth + 1) > maxDepth;
    }

    /// <summary>Cheap pre-check: only a multipart or message/* top-level type can nest.</summary>
    private static bool MayNest(ReadOnlySequence<byte> message)
    {
        var length = (int)Math.Min(message.Length, 256 * 1024);
        var head = Encoding.Latin1.GetString(message.Slice(0, length));
        var end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = end < 0 ? head : head[..end];
        var index = headers.IndexOf("content-type:", StringComparison.OrdinalIgnoreCase);
        while (index >= 0)
        {
            var value = headers.AsSpan(index + "content-type:".Length).TrimStart();
            if (value.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) || value.StartsWith("message/", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            index = headers.IndexOf("content-type:", index + 1, StringComparison.OrdinalIgnoreCase);
        }

        return false;
    }

    private static int Depth(MimeEntity? entity, int depth, int stopAt)
    {
        if (entity is null || depth >= stopAt)
        {
            return depth;
        }

        return entity switch
        {
            Multipart multipart => multipart.Count == 0 ? depth : multipart.Max(child => Depth(child, depth + 1, stopAt)),
            MessagePart { Message: { } inner } => Depth(inner.Body, depth + 1, stopAt),
            _ => depth,
        };
    }
}
