using System.Security.Cryptography;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.KeyService.Providers;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>RSA operations in SoftHSM, checked with .NET's own RSA on the exported public key.</summary>
public sealed class Pkcs11RsaTests : IClassFixture<SoftHsmToken>, IDisposable
{
    private readonly Pkcs11KeyProvider _provider;

    public Pkcs11RsaTests(SoftHsmToken token)
    {
        _provider = new Pkcs11KeyProvider(token.ProviderOptions());
    }

    public void Dispose() => _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string NewLabel() => "rsa-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    private async Task<(string Label, RSA PublicKey)> CreateAsync(int bits = 2048)
    {
        var label = NewLabel();
        var info = await _provider.CreateRsaKeyPairAsync(label, bits, default);
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(info.SubjectPublicKeyInfo, out _);
        return (label, rsa);
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(3072)]
    public async Task CreateRsaKeyPairAsync_NewLabel_PublicKeyMatchesGetRsaPublicKey(int bits)
    {
        var label = NewLabel();

        var created = await _provider.CreateRsaKeyPairAsync(label, bits, default);
        var fetched = await _provider.GetRsaPublicKeyAsync(label, default);

        Assert.Equal(bits, created.ModulusBits);
        Assert.Equal(created.SubjectPublicKeyInfo, fetched.SubjectPublicKeyInfo);
        Assert.Equal(created.KeyId, fetched.KeyId);
        Assert.Equal(label, fetched.Label);
    }

    [Fact]
    public async Task CreateRsaKeyPairAsync_ExistingLabel_ThrowsConfiguration()
    {
        var (label, _) = await CreateAsync();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.CreateRsaKeyPairAsync(label, 2048, default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }

    [Fact]
    public async Task CreateRsaKeyPairAsync_UnsupportedSize_ThrowsConfiguration()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.CreateRsaKeyPairAsync(NewLabel(), 1024, default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }

    [Fact]
    public async Task SignAsync_Pkcs1Sha256_VerifiesWithPublicKey()
    {
        var (label, rsa) = await CreateAsync();
        var data = RandomNumberGenerator.GetBytes(1000);

        var signature = await _provider.SignAsync(label, data, RsaSignatureScheme.Pkcs1Sha256, default);

        Assert.True(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        data[0] ^= 1;
        Assert.False(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task SignAsync_Pkcs1DigestInfo_VerifiesAsSha256Signature()
    {
        var (label, rsa) = await CreateAsync();
        var data = RandomNumberGenerator.GetBytes(100);
        // DER DigestInfo for SHA-256 (RFC 8017 §9.2 note 1) followed by the hash.
        byte[] prefix = [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
        byte[] digestInfo = [.. prefix, .. SHA256.HashData(data)];

        var signature = await _provider.SignAsync(label, digestInfo, RsaSignatureScheme.Pkcs1DigestInfo, default);

        Assert.True(rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Theory]
    [InlineData(RsaDecryptionScheme.Pkcs1)]
    [InlineData(RsaDecryptionScheme.OaepSha1)]
    [InlineData(RsaDecryptionScheme.OaepSha256)]
    public async Task DecryptAsync_CiphertextFromPublicKey_ReturnsPlaintext(RsaDecryptionScheme scheme)
    {
        var (label, rsa) = await CreateAsync();
        var secret = RandomNumberGenerator.GetBytes(32);
        var padding = scheme switch
        {
            RsaDecryptionScheme.Pkcs1 => RSAEncryptionPadding.Pkcs1,
            RsaDecryptionScheme.OaepSha1 => RSAEncryptionPadding.OaepSHA1,
            _ => RSAEncryptionPadding.OaepSHA256,
        };

        var plain = await _provider.DecryptAsync(label, rsa.Encrypt(secret, padding), scheme, default);
        var again = await _provider.DecryptAsync(label, rsa.Encrypt(secret, padding), scheme, default);

        Assert.Equal(secret, plain);
        Assert.Equal(secret, again);
    }

    [Theory]
    [InlineData(RsaDecryptionScheme.OaepSha256, false)]
    [InlineData(RsaDecryptionScheme.OaepSha256, true)]
    [InlineData(RsaDecryptionScheme.OaepSha1, true)]
    [InlineData(RsaDecryptionScheme.Pkcs1, true)]
    [InlineData(RsaDecryptionScheme.Raw, false)]
    public async Task DecryptAsync_CiphertextNotBelowModulus_ThrowsInvalidDataNotUnavailable(RsaDecryptionScheme scheme, bool allOnes)
    {
        // What a ciphertext for another (larger-modulus) key can look like to this one: SoftHSM
        // answers it with CKR_GENERAL_ERROR, which must not read as "HSM unavailable, retry".
        var (label, rsa) = await CreateAsync();
        var modulus = rsa.ExportParameters(false).Modulus!;
        var ciphertext = allOnes ? Enumerable.Repeat((byte)0xFF, modulus.Length).ToArray() : modulus;

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.DecryptAsync(label, ciphertext, scheme, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains("not encrypted to this key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecryptAsync_OaepSha256OfOtherKey_ThrowsInvalidData()
    {
        var (label, _) = await CreateAsync();
        using var other = RSA.Create(2048);

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.DecryptAsync(label, other.Encrypt(new byte[32], RSAEncryptionPadding.OaepSHA256), RsaDecryptionScheme.OaepSha256, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public async Task DecryptAsync_OaepSha1CiphertextAsOaepSha256_ThrowsInvalidData()
    {
        var (label, rsa) = await CreateAsync();

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.DecryptAsync(label, rsa.Encrypt(new byte[32], RSAEncryptionPadding.OaepSHA1), RsaDecryptionScheme.OaepSha256, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public async Task DecryptAsync_Raw_ReturnsModulusSizedBlockThatEncryptsBack()
    {
        var (label, rsa) = await CreateAsync();
        var ciphertext = rsa.Encrypt(new byte[16], RSAEncryptionPadding.Pkcs1);

        var block = await _provider.DecryptAsync(label, ciphertext, RsaDecryptionScheme.Raw, default);

        Assert.Equal(256, block.Length);
        Assert.Equal(0x00, block[0]);
        Assert.Equal(0x02, block[1]);
        Assert.Equal(new byte[16], block[^16..]);
    }

    [Fact]
    public async Task SignAsync_UnknownLabel_ThrowsKeyNotFound()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.SignAsync(NewLabel(), new byte[10], RsaSignatureScheme.Pkcs1Sha256, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task GetRsaPublicKeyAsync_UnknownLabel_ThrowsKeyNotFound()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.GetRsaPublicKeyAsync(NewLabel(), default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }
}
