using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;

namespace Sovereignty.KeyService.Smime.Decryption;

/// <summary>
/// Removes RSA-OAEP padding from the output of a raw RSA decryption done in the HSM
/// (CKM_RSA_X_509), for OAEP variants the HSM does not offer natively (SoftHSM: SHA-256).
/// BouncyCastle's <see cref="OaepEncoding"/> does the decoding (constant-time checks);
/// it is fed the HSM's output through <see cref="PrecomputedRsaBlock"/>.
/// </summary>
internal static class OaepDecoding
{
    public static byte[] DecodeSha256(byte[] rawRsaOutput, int modulusBits)
    {
        var oaep = new OaepEncoding(new PrecomputedRsaBlock(rawRsaOutput, modulusBits), new Sha256Digest(), new Sha256Digest(), null);
        oaep.Init(false, new PrecomputedRsaBlock.Key());
        try
        {
            return oaep.ProcessBlock(rawRsaOutput, 0, rawRsaOutput.Length);
        }
        catch (InvalidCipherTextException ex)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, "The encrypted content key is not valid RSA-OAEP (SHA-256) for the escrow key.", ex);
        }
    }

    /// <summary>An "RSA engine" whose private operation already happened in the HSM.</summary>
    private sealed class PrecomputedRsaBlock : IAsymmetricBlockCipher
    {
        private readonly byte[] _output;
        private readonly int _modulusBits;

        public PrecomputedRsaBlock(byte[] output, int modulusBits)
        {
            _output = output;
            _modulusBits = modulusBits;
        }

        public string AlgorithmName => "RSA";

        public void Init(bool forEncryption, ICipherParameters parameters)
        {
            if (forEncryption)
            {
                throw new InvalidOperationException("Decoding only.");
            }
        }

        public int GetInputBlockSize() => (_modulusBits + 7) / 8;

        // As BouncyCastle's RSA engine: a decrypted block is one byte shorter than the modulus.
        public int GetOutputBlockSize() => (_modulusBits - 1) / 8;

        public byte[] ProcessBlock(byte[] inBuf, int inOff, int inLen)
        {
            // Like BigInteger.ToByteArrayUnsigned: leading zero bytes are not part of the block.
            var start = 0;
            while (start < _output.Length - 1 && _output[start] == 0)
            {
                start++;
            }

            return _output[start..];
        }

        public sealed class Key : AsymmetricKeyParameter
        {
            public Key()
                : base(privateKey: true)
            {
            }
        }
    }
}
