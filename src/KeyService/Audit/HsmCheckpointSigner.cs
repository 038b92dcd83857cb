using System.Security.Cryptography;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Signs checkpoints with the audit key pair in the HSM (a key pair of its own,
/// <see cref="AuditOptions.CheckpointKeyPair"/> in <c>Sovereignty:Hsm:KeyPairs</c>), RSA
/// PKCS#1 v1.5 with SHA-256 computed in the HSM. It calls the provider directly: the log
/// cannot record its own signing into itself (the checkpoint is that record).
/// </summary>
public sealed class HsmCheckpointSigner : ICheckpointSigner
{
    private readonly KeyCatalog _catalog;
    private readonly string _keyPair;

    public HsmCheckpointSigner(KeyCatalog catalog, string keyPairName)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPairName);
        _catalog = catalog;
        _keyPair = keyPairName;
    }

    /// <inheritdoc/>
    public string KeyId => _keyPair;

    /// <inheritdoc/>
    public Task<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var (options, provider) = _catalog.ResolveKeyPair(_keyPair);
        return provider.SignAsync(options.EffectiveKeyLabel, data, RsaSignatureScheme.Pkcs1Sha256, cancellationToken);
    }

    /// <summary>The audit key's public half, for verification.</summary>
    public async Task<RSA> GetPublicKeyAsync(CancellationToken cancellationToken)
    {
        var (options, provider) = _catalog.ResolveKeyPair(_keyPair);
        var info = await provider.GetRsaPublicKeyAsync(options.EffectiveKeyLabel, cancellationToken).ConfigureAwait(false);
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(info.SubjectPublicKeyInfo, out _);
        return rsa;
    }
}
