namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Sizes in envelope format v1: the ciphertext length is a pure function of the plaintext
/// length and the header length, both ways, so plain sizes and byte ranges map exactly.
/// </summary>
/// <remarks>
/// The body is a sequence of <c>n = max(1, ceil(P / 65536))</c> segments. Every segment but
/// the last carries 65,536 plaintext bytes; the last carries the rest (1…65,536 bytes, or
/// 0 when the whole plaintext is empty). Each segment adds a 16-byte GCM tag, so
/// <c>C = H + P + 16·n</c>. See docs/envelope-format.md.
/// </remarks>
public static class EnvelopeLayout
{
    /// <summary>Plaintext bytes per segment (64 KiB).</summary>
    public const int SegmentSize = 64 * 1024;

    /// <summary>AES-GCM tag bytes per segment.</summary>
    public const int TagSize = 16;

    /// <summary>Bytes of one full segment on the wire.</summary>
    public const int CiphertextSegmentSize = SegmentSize + TagSize;

    /// <summary>The segment counter is 32 bits wide: at most 2^32 segments (256 TiB) per envelope.</summary>
    public const long MaxSegmentCount = 1L << 32;

    /// <summary>The largest plaintext one envelope can hold.</summary>
    public const long MaxPlaintextLength = MaxSegmentCount * SegmentSize;

    /// <summary>Number of segments for <paramref name="plaintextLength"/> bytes (at least one).</summary>
    public static long SegmentCount(long plaintextLength)
    {
        CheckPlaintextLength(plaintextLength);
        return plaintextLength == 0 ? 1 : ((plaintextLength - 1) / SegmentSize) + 1;
    }

    /// <summary>Total envelope length (header included) for <paramref name="plaintextLength"/> bytes.</summary>
    public static long CiphertextLength(long plaintextLength, int headerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headerLength);
        return headerLength + plaintextLength + (TagSize * SegmentCount(plaintextLength));
    }

    /// <summary>
    /// The plaintext length of a well-formed envelope of <paramref name="ciphertextLength"/>
    /// bytes; false when no plaintext length produces that ciphertext length (the envelope
    /// was truncated or extended).
    /// </summary>
    public static bool TryGetPlaintextLength(long ciphertextLength, int headerLength, out long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headerLength);
        plaintextLength = -1;
        long body = ciphertextLength - headerLength;
        if (body < TagSize)
        {
            return false;
        }

        long segments = ((body - 1) / CiphertextSegmentSize) + 1;
        long lastSegment = body - ((segments - 1) * CiphertextSegmentSize);
        // A last segment holds at least one plaintext byte, except in an empty envelope.
        if (segments > MaxSegmentCount || lastSegment < TagSize || (lastSegment == TagSize && segments > 1))
        {
            return false;
        }

        plaintextLength = body - (segments * TagSize);
        return true;
    }

    /// <summary>Offset of segment <paramref name="segmentIndex"/> from the start of the envelope.</summary>
    public static long SegmentOffset(long segmentIndex, int headerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(segmentIndex);
        return headerLength + (segmentIndex * CiphertextSegmentSize);
    }

    /// <summary>Plaintext bytes held by segment <paramref name="segmentIndex"/> of a <paramref name="plaintextLength"/>-byte plaintext.</summary>
    public static int SegmentPlaintextLength(long segmentIndex, long plaintextLength)
    {
        long count = SegmentCount(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfNegative(segmentIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(segmentIndex, count);
        return (int)(segmentIndex < count - 1 ? SegmentSize : plaintextLength - ((count - 1) * SegmentSize));
    }

    /// <summary>
    /// The envelope bytes (inclusive offsets from the start of the envelope) holding every
    /// segment that plaintext bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>) touch:
    /// what to fetch to decrypt that range.
    /// </summary>
    public static (long First, long Last) CiphertextRange(long offset, long count, long plaintextLength, int headerLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, plaintextLength - count);
        long first = offset / SegmentSize;
        long last = (offset + count - 1) / SegmentSize;
        long end = SegmentOffset(last, headerLength) + SegmentPlaintextLength(last, plaintextLength) + TagSize;
        return (SegmentOffset(first, headerLength), end - 1);
    }

    private static void CheckPlaintextLength(long plaintextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(plaintextLength, MaxPlaintextLength);
    }
}
