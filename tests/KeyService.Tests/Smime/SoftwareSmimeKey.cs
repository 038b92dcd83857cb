using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Security;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Smime;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>
/// An in-process RSA key behind the HSM seam, for unit tests of the S/MIME formats only;
/// the HSM integration tests use a real SoftHSM token.
/// </summary>
public sealed class SoftwareSmimeKey : ISmimePrivateKey
{
    private readonly RSA _rsa;

    public SoftwareSmimeKey(X509Certificate2 certificate, string keyClass)
    {
        _rsa = certificate.GetRSAPrivateKey()!;
        Reference = new KeyReference(keyClass, Convert.ToHexStringLower(certificate.GetSerialNumber()), 1);
    }

    public KeyReference Reference { get; }

    /// <summary>When set, every call fails as an unreachable HSM does.</summary>
    public bool Unavailable { get; set; }

    public int Calls { get; private set; }

    public Task<byte[]> SignSha256Pkcs1Async(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Enter();
        return Task.FromResult(_rsa.SignData(data.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public Task<byte[]> DecryptAsync(ReadOnlyMemory<byte> ciphertext, RsaDecryptionMechanism mechanism, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            return Task.FromResult(mechanism switch
            {
                RsaDecryptionMechanism.Pkcs1 => _rsa.Decrypt(ciphertext.Span, RSAEncryptionPadding.Pkcs1),
                RsaDecryptionMechanism.OaepSha1 => _rsa.Decrypt(ciphertext.Span, RSAEncryptionPadding.OaepSHA1),
                _ => Raw(ciphertext.ToArray()),
            });
        }
        catch (CryptographicException ex)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, "decryption failed", ex);
        }
    }

    private byte[] Raw(byte[] ciphertext)
    {
        var engine = new RsaEngine();
        engine.Init(false, DotNetUtilities.GetRsaKeyPair(_rsa).Private);
        var output = engine.ProcessBlock(ciphertext, 0, ciphertext.Length);
        var block = new byte[_rsa.KeySize / 8];
        output.CopyTo(block, block.Length - output.Length);
        return block;
    }

    private void Enter()
    {
        Calls++;
        if (Unavailable)
        {
            throw new KeyServiceException(KeyErrorKind.Unavailable, "HSM unreachable (test)");
        }
    }
}

public sealed class SoftwareSmimeKeyStore : ISmimeKeyStore
{
    private readonly Dictionary<string, ISmimePrivateKey> _keys;

    public SoftwareSmimeKeyStore(Dictionary<string, ISmimePrivateKey> keys) => _keys = keys;

    public ISmimePrivateKey GetKey(string label) => _keys[label];
}
