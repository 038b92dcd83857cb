using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Tests.Smime;

/// <summary>
/// In-process RSA keys behind <see cref="IKeyPairRing"/>, recording one event per use like the
/// real ring: for the S/MIME format tests only. The HSM tests use a SoftHSM token and the real
/// <see cref="KeyPairRing"/>.
/// </summary>
public sealed class SoftwareKeyPairRing : IKeyPairRing
{
    private readonly Dictionary<string, X509Certificate2> _keys;
    private readonly IKeyEventLog _log;

    public SoftwareKeyPairRing(Dictionary<string, X509Certificate2> keys, IKeyEventLog log)
    {
        _keys = keys;
        _log = log;
    }

    /// <summary>When set, every key use fails as an unreachable HSM does.</summary>
    public bool Unavailable { get; set; }

    public int Calls { get; private set; }

    public IReadOnlyList<KeyClassInfo> KeyPairs => [.. _keys.Keys.Select(k => new KeyClassInfo(k, "software", "test"))];

    public Task<RsaPublicKeyInfo> GetPublicKeyAsync(string name, CancellationToken cancellationToken)
    {
        using var rsa = _keys[name].GetRSAPublicKey()!;
        return Task.FromResult(new RsaPublicKeyInfo(name, name, rsa.ExportSubjectPublicKeyInfo(), rsa.KeySize));
    }

    public Task<byte[]> SignAsync(string name, ReadOnlyMemory<byte> data, RsaSignatureScheme scheme, KeyUse use, CancellationToken cancellationToken) =>
        UseAsync(name, KeyOperation.Sign, use, rsa => rsa.SignData(data.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), cancellationToken);

    public Task<byte[]> DecryptAsync(string name, ReadOnlyMemory<byte> ciphertext, RsaDecryptionScheme scheme, KeyUse use, CancellationToken cancellationToken) =>
        UseAsync(name, KeyOperation.DecryptKey, use, rsa => rsa.Decrypt(ciphertext.Span, scheme switch
        {
            RsaDecryptionScheme.Pkcs1 => RSAEncryptionPadding.Pkcs1,
            RsaDecryptionScheme.OaepSha1 => RSAEncryptionPadding.OaepSHA1,
            RsaDecryptionScheme.OaepSha256 => RSAEncryptionPadding.OaepSHA256,
            _ => throw new NotSupportedException(scheme.ToString()),
        }), cancellationToken);

    private async Task<byte[]> UseAsync(string name, KeyOperation operation, KeyUse use, Func<RSA, byte[]> call, CancellationToken cancellationToken)
    {
        Calls++;
        var key = new KeyReference(name, name, 1);
        byte[] result;
        try
        {
            if (Unavailable)
            {
                throw new KeyServiceException(KeyErrorKind.Unavailable, "HSM unreachable (test)");
            }

            using var rsa = _keys[name].GetRSAPrivateKey()!;
            result = call(rsa);
        }
        catch (Exception ex) when (ex is KeyServiceException or CryptographicException)
        {
            var kind = ex is KeyServiceException k ? k.Kind : KeyErrorKind.InvalidData;
            await _log.RecordAsync(new KeyEvent(operation, name, key, use, KeyEventResult.Error, kind.ToString()), cancellationToken);
            throw ex as KeyServiceException ?? new KeyServiceException(kind, "decryption failed", ex);
        }

        await _log.RecordAsync(new KeyEvent(operation, name, key, use, KeyEventResult.Ok), cancellationToken);
        return result;
    }
}
