using System.Globalization;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// A single-range <c>Range: bytes=…</c> request over the plaintext (RFC 9110 §14).
/// Multiple ranges and malformed headers are ignored (the whole object is served), which
/// RFC 9110 allows; an unsatisfiable range is answered with 416.
/// </summary>
internal readonly record struct ByteRangeRequest(long? Start, long? End, long? SuffixLength)
{
    /// <summary>Parses the header value; false when there is no usable single range.</summary>
    public static bool TryParse(string? header, out ByteRangeRequest range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(header))
        {
            return false;
        }

        string value = header.Trim();
        if (!value.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string spec = value["bytes=".Length..].Trim();
        if (spec.Length == 0 || spec.Contains(','))
        {
            return false;
        }

        int dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return false;
        }

        string first = spec[..dash].Trim();
        string last = spec[(dash + 1)..].Trim();
        if (first.Length == 0)
        {
            if (!TryDigits(last, out long suffix))
            {
                return false;
            }

            range = new ByteRangeRequest(null, null, suffix);
            return true;
        }

        if (!TryDigits(first, out long start))
        {
            return false;
        }

        if (last.Length == 0)
        {
            range = new ByteRangeRequest(start, null, null);
            return true;
        }

        if (!TryDigits(last, out long end) || end < start)
        {
            return false;
        }

        range = new ByteRangeRequest(start, end, null);
        return true;
    }

    /// <summary>
    /// The bytes this range selects in an object of <paramref name="length"/> bytes; false when
    /// unsatisfiable (416).
    /// </summary>
    public bool TryResolve(long length, out long offset, out long count)
    {
        offset = 0;
        count = 0;
        if (SuffixLength is long suffix)
        {
            if (suffix == 0 || length == 0)
            {
                return false;
            }

            count = Math.Min(suffix, length);
            offset = length - count;
            return true;
        }

        long start = Start!.Value;
        if (start >= length)
        {
            return false;
        }

        long end = End is long e ? Math.Min(e, length - 1) : length - 1;
        offset = start;
        count = end - start + 1;
        return true;
    }

    private static bool TryDigits(string text, out long value)
    {
        value = 0;
        return text.Length is > 0 and <= 18 && text.All(char.IsAsciiDigit)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
