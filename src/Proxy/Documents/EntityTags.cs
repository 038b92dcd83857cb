namespace Sovereignty.Proxy.Documents;

/// <summary>
/// ETags of decrypted objects: derived from the store's ETag of the ciphertext version, so
/// they stay stable while the stored object does and change when it is replaced. The prefix
/// keeps them distinct from the ciphertext's own tag; weakness is kept as the store gave it.
/// </summary>
internal static class EntityTags
{
    private const string Prefix = "sv1-";

    public static string? ForPlaintext(string? upstreamETag)
    {
        if (string.IsNullOrEmpty(upstreamETag))
        {
            return null;
        }

        bool weak = upstreamETag.StartsWith("W/", StringComparison.Ordinal);
        string opaque = (weak ? upstreamETag[2..] : upstreamETag).Trim('"');
        return (weak ? "W/" : string.Empty) + "\"" + Prefix + opaque + "\"";
    }

    /// <summary>True when <paramref name="headerValue"/> (If-None-Match / If-Range) names <paramref name="etag"/> or <c>*</c>.</summary>
    public static bool Matches(string? headerValue, string? etag, bool weakComparison)
    {
        if (string.IsNullOrEmpty(headerValue) || etag is null)
        {
            return false;
        }

        foreach (string candidate in headerValue.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (candidate == "*")
            {
                return true;
            }

            if (weakComparison ? Opaque(candidate) == Opaque(etag) : candidate == etag && !etag.StartsWith("W/", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string Opaque(string tag) => tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag;
}
