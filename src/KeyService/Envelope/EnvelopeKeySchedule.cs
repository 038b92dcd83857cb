using System.Security.Cryptography;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Derives the per-object segment key and the key commitment from the data key:
/// <c>PRK = HKDF-Extract(salt, DEK)</c>,
/// <c>K = HKDF-Expand(PRK, "sovereignty/envelope/v1/segment-key" || SHA-256(header'), 32)</c>,
/// <c>commitment = HKDF-Expand(PRK, "sovereignty/envelope/v1/commitment" || SHA-256(header'), 32)</c>,
/// where header' is the header without its commitment field.
/// </summary>
/// <remarks>
/// Binding the header hash into both derivations authenticates every header byte: a header
/// moved onto another body, a changed context or key reference gives another key and
/// another commitment. The commitment is checked (in constant time) before any segment is
/// decrypted, so one ciphertext cannot be opened under two data keys (GCM alone is not
/// key-committing).
/// </remarks>
internal static class EnvelopeKeySchedule
{
    public const int SegmentKeyLength = 32;

    private static ReadOnlySpan<byte> SegmentKeyLabel => "sovereignty/envelope/v1/segment-key"u8;

    private static ReadOnlySpan<byte> CommitmentLabel => "sovereignty/envelope/v1/commitment"u8;

    /// <summary>Derives the segment key and the commitment for <paramref name="header"/>.</summary>
    public static void Derive(ReadOnlySpan<byte> dataKey, EnvelopeHeader header, Span<byte> segmentKey, Span<byte> commitment)
    {
        EnvelopeHeader.CheckDataKey(dataKey);
        Span<byte> prk = stackalloc byte[32];
        Span<byte> headerHash = stackalloc byte[32];
        Span<byte> info = stackalloc byte[64 + 32];
        try
        {
            HKDF.Extract(HashAlgorithmName.SHA256, dataKey, header.Salt, prk);
            SHA256.HashData(header.AuthenticatedBytes, headerHash);
            HKDF.Expand(HashAlgorithmName.SHA256, prk, segmentKey, Info(SegmentKeyLabel, headerHash, info));
            HKDF.Expand(HashAlgorithmName.SHA256, prk, commitment, Info(CommitmentLabel, headerHash, info));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(prk);
        }
    }

    /// <summary>
    /// Checks the header's key commitment against <paramref name="dataKey"/> and returns the
    /// segment cipher; throws before anything is decrypted when the commitment differs.
    /// </summary>
    public static SegmentCipher Open(ReadOnlySpan<byte> dataKey, EnvelopeHeader header)
    {
        Span<byte> segmentKey = stackalloc byte[SegmentKeyLength];
        Span<byte> commitment = stackalloc byte[EnvelopeHeader.CommitmentLength];
        try
        {
            Derive(dataKey, header, segmentKey, commitment);
            if (!CryptographicOperations.FixedTimeEquals(commitment, header.Commitment))
            {
                throw EnvelopeErrors.CommitmentMismatch(header.Key);
            }

            return new SegmentCipher(segmentKey, header.NoncePrefix);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(segmentKey);
        }
    }

    private static ReadOnlySpan<byte> Info(ReadOnlySpan<byte> label, ReadOnlySpan<byte> headerHash, Span<byte> buffer)
    {
        label.CopyTo(buffer);
        headerHash.CopyTo(buffer[label.Length..]);
        return buffer[..(label.Length + headerHash.Length)];
    }
}
