using System.Security.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Keys;

public sealed class KeyPairRingTests : IClassFixture<SoftHsmToken>
{
    private static readonly KeyUse Use = new() { Actor = "relay", ObjectId = "<m1@example.org>", Purpose = "sign-outgoing" };
    private readonly SoftHsmToken _token;

    public KeyPairRingTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task SignAsync_InitializedPair_VerifiesAndRecordsOneSignEvent()
    {
        await using var harness = KeyServiceHarness.Create(_token);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var info = await harness.Pairs.GetPublicKeyAsync("signing", default);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(info.SubjectPublicKeyInfo, out _);

        var signature = await harness.Pairs.SignAsync("signing", "hello"u8.ToArray(), RsaSignatureScheme.Pkcs1Sha256, Use, default);

        Assert.True(rsa.VerifyData("hello"u8.ToArray(), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyOperation.Sign, "signing", new KeyReference("signing", info.KeyId, 1), KeyEventResult.Ok),
            (recorded.Operation, recorded.KeyClass, recorded.Key, recorded.Result));
        Assert.Equal("Pkcs1Sha256", recorded.Detail!["scheme"]);
    }

    [Fact]
    public async Task SignAsync_UseWithMailRecipientsAndDetail_EventCarriesBothAndKeepsScheme()
    {
        await using var harness = KeyServiceHarness.Create(_token);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        var use = Use with
        {
            Recipients = ["a@partner.example", "b@partner.example"],
            Detail = new Dictionary<string, string> { ["label"] = "interne", ["scheme"] = "caller cannot override" },
        };

        await harness.Pairs.SignAsync("signing", "hello"u8.ToArray(), RsaSignatureScheme.Pkcs1Sha256, use, default);

        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal(["a@partner.example", "b@partner.example"], recorded.Recipients!);
        Assert.Equal(("interne", "Pkcs1Sha256"), (recorded.Detail!["label"], recorded.Detail["scheme"]));
    }

    [Fact]
    public async Task DecryptAsync_InitializedPair_ReturnsKeyAndRecordsOneDecryptEvent()
    {
        await using var harness = KeyServiceHarness.Create(_token);
        await harness.Manager.InitAsync(Use, default);
        harness.Log.Drain();
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo((await harness.Pairs.GetPublicKeyAsync("signing", default)).SubjectPublicKeyInfo, out _);
        var secret = RandomNumberGenerator.GetBytes(32);

        var plain = await harness.Pairs.DecryptAsync("signing", rsa.Encrypt(secret, RSAEncryptionPadding.Pkcs1), RsaDecryptionScheme.Pkcs1, Use, default);

        Assert.Equal(secret, plain);
        Assert.Equal(KeyOperation.DecryptKey, Assert.Single(harness.Log.Drain()).Operation);
    }

    [Fact]
    public async Task SignAsync_PairNotCreated_ThrowsKeyNotFoundAndRecordsError()
    {
        await using var harness = KeyServiceHarness.Create(_token);

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => harness.Pairs.SignAsync("signing", new byte[3], RsaSignatureScheme.Pkcs1Sha256, Use, default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
        var recorded = Assert.Single(harness.Log.Drain());
        Assert.Equal((KeyOperation.Sign, KeyEventResult.Error), (recorded.Operation, recorded.Result));
    }

    [Fact]
    public async Task DecryptAsync_LogThrows_FailsRetryable()
    {
        await using var harness = KeyServiceHarness.Create(_token);
        await harness.Manager.InitAsync(Use, default);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo((await harness.Pairs.GetPublicKeyAsync("signing", default)).SubjectPublicKeyInfo, out _);
        harness.Log.Fail = true;

        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => harness.Pairs.DecryptAsync("signing", rsa.Encrypt(new byte[16], RSAEncryptionPadding.Pkcs1), RsaDecryptionScheme.Pkcs1, Use, default));

        Assert.Equal(KeyErrorKind.Unavailable, error.Kind);
    }
}
