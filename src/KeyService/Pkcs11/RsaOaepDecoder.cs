using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sovereignty.KeyService.Pkcs11;

/// <summary>
/// EME-OAEP decoding (RFC 8017 §7.1.2 step 3) with SHA-256 and MGF1-SHA-256, over the block a
/// token returns from raw RSA. Used where the token supports OAEP only with SHA-1 (SoftHSM).
/// Checks are accumulated without early exit, and every failure gives the same error.
/// </summary>
internal static class RsaOaepDecoder
{
    private const int HashLength = 32;

    public static byte[] DecodeSha256(ReadOnlySpan<byte> encoded, int modulusBytes)
    {
        if (modulusBytes < 2 * HashLength + 2 || encoded.Length > modulusBytes)
        {
            throw Invalid();
        }

        // The token may strip leading zero bytes: restore the k-byte encoded message.
        var em = new byte[modulusBytes];
        try
        {
            encoded.CopyTo(em.AsSpan(modulusBytes - encoded.Length));
            var maskedSeed = em.AsSpan(1, HashLength);
            var db = em.AsSpan(1 + HashLength);

            Span<byte> seed = stackalloc byte[HashLength];
            Mgf1(db, seed);
            Xor(seed, maskedSeed);

            var dbMask = new byte[db.Length];
            Mgf1(seed, dbMask);
            Xor(db, dbMask);

            Span<byte> emptyLabelHash = stackalloc byte[HashLength];
            SHA256.HashData([], emptyLabelHash);

            var bad = em[0] != 0 ? 1 : 0;
            bad |= CryptographicOperations.FixedTimeEquals(db[..HashLength], emptyLabelHash) ? 0 : 1;

            // Find the 0x01 separator after the zero padding, without branching on the data.
            var separator = -1;
            var inPadding = 1;
            for (var i = HashLength; i < db.Length; i++)
            {
                var isOne = db[i] == 1 ? 1 : 0;
                var isZero = db[i] == 0 ? 1 : 0;
                var found = inPadding & isOne;
                separator = found == 1 ? i : separator;
                bad |= inPadding & (1 - isOne) & (1 - isZero);
                inPadding &= isZero;
            }

            if ((bad | (separator < 0 ? 1 : 0)) != 0)
            {
                throw Invalid();
            }

            return db[(separator + 1)..].ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(em);
        }
    }

    private static void Mgf1(ReadOnlySpan<byte> seed, Span<byte> mask)
    {
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input);
        Span<byte> block = stackalloc byte[HashLength];
        for (uint counter = 0, offset = 0; offset < mask.Length; counter++, offset += HashLength)
        {
            BinaryPrimitives.WriteUInt32BigEndian(input.AsSpan(seed.Length), counter);
            SHA256.HashData(input, block);
            block[..Math.Min(HashLength, mask.Length - (int)offset)].CopyTo(mask[(int)offset..]);
        }
    }

    private static void Xor(Span<byte> target, ReadOnlySpan<byte> mask)
    {
        for (var i = 0; i < target.Length; i++)
        {
            target[i] ^= mask[i];
        }
    }

    private static KeyServiceException Invalid() =>
        new(KeyErrorKind.InvalidData, "RSA-OAEP (SHA-256) decryption failed: the ciphertext is invalid or was made for another key.");
}
