using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Keys;

/// <summary>
/// The configured RSA key pairs (<c>Sovereignty:Hsm:KeyPairs</c>) by name: S/MIME signing,
/// escrow decryption. Every sign and decrypt records exactly one key event before returning;
/// reading a public key is not a key use.
/// </summary>
public interface IKeyPairRing
{
    /// <summary>The configured key pairs.</summary>
    IReadOnlyList<KeyClassInfo> KeyPairs { get; }

    /// <summary>The public key of key pair <paramref name="name"/>.</summary>
    Task<RsaPublicKeyInfo> GetPublicKeyAsync(string name, CancellationToken cancellationToken);

    /// <summary>Signs with key pair <paramref name="name"/> (see <see cref="IAsymmetricKeyProvider.SignAsync"/>).</summary>
    Task<byte[]> SignAsync(string name, ReadOnlyMemory<byte> data, RsaSignatureScheme scheme, KeyUse use, CancellationToken cancellationToken);

    /// <summary>Decrypts with key pair <paramref name="name"/> (see <see cref="IAsymmetricKeyProvider.DecryptAsync"/>).</summary>
    Task<byte[]> DecryptAsync(string name, ReadOnlyMemory<byte> ciphertext, RsaDecryptionScheme scheme, KeyUse use, CancellationToken cancellationToken);
}
