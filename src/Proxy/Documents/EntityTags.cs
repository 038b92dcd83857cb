namespace Sovereignty.Proxy.Documents;

/// <summary>
/// ETags of decrypted objects: <c>"sv1-&lt;store etag&gt;-&lt;header fingerprint&gt;"</c>. The store's
/// ETag alone is not enough: nginx's is mtime and size, so two versions of the same size written
/// in the same second share it and a client's cache would keep the older one. The envelope
/// header differs for every version (fresh salt and wrapped data key), so its fingerprint makes
/// the tag distinct per version while staying stable for a stored version. The prefix keeps them
/// distinct from the ciphertext's own tag; weakness is kept as the store gave it.
/// </summary>
internal static class EntityTags
{
    private const string Prefix = "sv1-";

    /// <summary>
    /// The plaintext ETag of the envelope version <paramref name="probe"/> read, whose header is
    /// <paramref name="header"/>; null when the store gave no ETag. GET, HEAD, conditional
    /// requests and PROPFIND listings all use this one function, so they agree.
    /// </summary>
    public static string? ForPlaintext(UpstreamProbeResult probe, EnvelopeHeaderInfo header) =>
        ForPlaintext(probe.ETag, header.Fingerprint);

    /// <summary>The plaintext ETag from the store's ETag and an envelope header fingerprint.</summary>
    internal static string? ForPlaintext(string? upstreamETag, string headerFingerprint)
    {
        if (string.IsNullOrEmpty(upstreamETag))
        {
            return null;
        }

        bool weak = upstreamETag.StartsWith("W/", StringComparison.Ordinal);
        string opaque = (weak ? upstreamETag[2..] : upstreamETag).Trim('"');
        return (weak ? "W/" : string.Empty) + "\"" + Prefix + opaque + "-" + headerFingerprint + "\"";
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
