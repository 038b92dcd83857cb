using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// AES-256-GCM over one envelope segment with the STREAM nonce
/// <c>nonce prefix (7) || segment index (u32, big-endian) || last-segment flag (1)</c>.
/// </summary>
/// <remarks>
/// The index in the nonce detects reordered, duplicated or dropped segments; the flag
/// detects truncation at a segment boundary and extension. Not thread-safe: one per stream.
/// </remarks>
internal sealed class SegmentCipher : IDisposable
{
    private const int NonceLength = 12;
    private readonly AesGcm _aes;
    private readonly byte[] _noncePrefix;

    public SegmentCipher(ReadOnlySpan<byte> segmentKey, ReadOnlySpan<byte> noncePrefix)
    {
        _aes = new AesGcm(segmentKey, EnvelopeLayout.TagSize);
        _noncePrefix = noncePrefix.ToArray();
    }

    /// <summary>Encrypts one segment; <paramref name="output"/> receives ciphertext then tag.</summary>
    public void Encrypt(long index, bool last, ReadOnlySpan<byte> plaintext, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(index, last, nonce);
        _aes.Encrypt(nonce, plaintext, output[..plaintext.Length], output.Slice(plaintext.Length, EnvelopeLayout.TagSize));
    }

    /// <summary>
    /// Decrypts and authenticates one segment (ciphertext then tag). On failure returns false
    /// and <paramref name="plaintext"/> holds zeros, never unauthenticated bytes.
    /// </summary>
    public bool TryDecrypt(long index, bool last, ReadOnlySpan<byte> segment, Span<byte> plaintext)
    {
        if (segment.Length < EnvelopeLayout.TagSize)
        {
            return false;
        }

        int length = segment.Length - EnvelopeLayout.TagSize;
        Span<byte> nonce = stackalloc byte[NonceLength];
        Nonce(index, last, nonce);
        try
        {
            _aes.Decrypt(nonce, segment[..length], segment[length..], plaintext[..length]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(plaintext[..length]);
            return false;
        }
    }

    public void Dispose() => _aes.Dispose();

    private void Nonce(long index, bool last, Span<byte> nonce)
    {
        if ((ulong)index >= EnvelopeLayout.MaxSegmentCount)
        {
            throw new InvalidOperationException($"An envelope holds at most {EnvelopeLayout.MaxSegmentCount} segments.");
        }

        _noncePrefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[EnvelopeHeader.NoncePrefixLength..], (uint)index);
        nonce[NonceLength - 1] = last ? (byte)1 : (byte)0;
    }
}
