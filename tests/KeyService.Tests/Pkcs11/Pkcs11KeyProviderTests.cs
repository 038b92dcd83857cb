using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

public sealed class Pkcs11KeyProviderTests : IClassFixture<SoftHsmToken>, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KeyProvider _provider;

    public Pkcs11KeyProviderTests(SoftHsmToken token)
    {
        _token = token;
        _provider = new Pkcs11KeyProvider(_token.ProviderOptions());
    }

    // The provider's DisposeAsync completes synchronously (it closes sessions).
    public void Dispose() => _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string NewLabel() => "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    [Fact]
    public async Task CreateKekAsync_NewLabel_ListsVersionWithHexId()
    {
        var label = NewLabel();
        var created = await _provider.CreateKekAsync(label, 1, default);
        var second = await _provider.CreateKekAsync(label, 2, default);

        var listed = await _provider.ListKeksAsync(label, default);

        Assert.Equal([created, second], listed);
        Assert.Equal(32, created.KeyId.Length);
        Assert.NotEqual(created.KeyId, second.KeyId);
        Assert.False(created.Destroyed);
    }

    [Fact]
    public async Task CreateKekAsync_ExistingVersion_ThrowsConfiguration()
    {
        var label = NewLabel();
        await _provider.CreateKekAsync(label, 1, default);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.CreateKekAsync(label, 1, default));

        Assert.Equal(KeyErrorKind.Configuration, error.Kind);
    }

    [Fact]
    public async Task CreateKekAsync_Always_KeyIsSensitiveNonExtractableWrapOnlyTokenObject()
    {
        var label = NewLabel();
        var key = await _provider.CreateKekAsync(label, 1, default);

        var module = _provider.Module;
        var attributes = module.Run(module.Generation, library =>
        {
            var slot = _token.FindSlot(library);
            using var session = slot.OpenSession(SessionType.ReadOnly);
            var handle = session.FindAllObjects([session.Factories.ObjectAttributeFactory.Create(CKA.CKA_ID, Convert.FromHexString(key.KeyId))]).Single();
            return session.GetAttributeValue(handle,
                [CKA.CKA_TOKEN, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_VALUE_LEN, CKA.CKA_LABEL]);
        });

        Assert.Equal([true, true, false, true, true, false, false], attributes.Take(7).Select(a => a.GetValueAsBool()));
        Assert.Equal(32UL, attributes[7].GetValueAsUlong());
        Assert.Equal($"sov.kek.{label}.v1", attributes[8].GetValueAsString());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(24)]
    [InlineData(64)]
    public async Task WrapAsync_ThenUnwrapAsync_ReturnsDataKey(int size)
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(size);

        var wrapped = await _provider.WrapAsync(key.KeyId, dataKey, default);
        var unwrapped = await _provider.UnwrapAsync(key.KeyId, wrapped, default);

        Assert.Equal(dataKey, unwrapped);
        Assert.NotEqual(dataKey, wrapped.AsSpan(0, size).ToArray());
        Assert.Equal((size + 7) / 8 * 8 + 8, wrapped.Length);
    }

    [Theory]
    [InlineData(15)]
    [InlineData(33)]
    [InlineData(72)]
    public async Task WrapAsync_DataKeySizeNotSupported_ThrowsInvalidData(int size)
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.WrapAsync(key.KeyId, new byte[size], default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public async Task UnwrapAsync_FlippedBit_ThrowsInvalidData()
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var wrapped = await _provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default);
        wrapped[5] ^= 0x10;

        var error = await Assert.ThrowsAsync<HsmException>(() => _provider.UnwrapAsync(key.KeyId, wrapped, default));

        Assert.True(error.Kind == KeyErrorKind.InvalidData, error.Message);
        Assert.False(error.IsRetryable);
        Assert.Equal("C_UnwrapKey", error.Function);
    }

    [Fact]
    public async Task UnwrapAsync_OtherKeksWrappedKey_ThrowsInvalidData()
    {
        var first = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var second = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var wrapped = await _provider.WrapAsync(first.KeyId, RandomNumberGenerator.GetBytes(32), default);

        var error = await Assert.ThrowsAsync<HsmException>(() => _provider.UnwrapAsync(second.KeyId, wrapped, default));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public async Task UnwrapAsync_UnknownKeyId_ThrowsKeyNotFound()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.UnwrapAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), new byte[40], default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task WrapAsync_MalformedKeyId_ThrowsKeyNotFound()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.WrapAsync("not-hex", new byte[32], default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task DestroyKekAsync_ThenUnwrap_ThrowsKeyDestroyedAndListMarksVersion()
    {
        var label = NewLabel();
        var key = await _provider.CreateKekAsync(label, 1, default);
        var wrapped = await _provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default);

        var destroyed = await _provider.DestroyKekAsync(key.KeyId, default);
        var again = await _provider.DestroyKekAsync(key.KeyId, default);

        Assert.Equal(1, destroyed);
        Assert.Equal(0, again);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.UnwrapAsync(key.KeyId, wrapped, default));
        Assert.Equal(KeyErrorKind.KeyDestroyed, error.Kind);
        var wrapError = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.WrapAsync(key.KeyId, new byte[32], default));
        Assert.Equal(KeyErrorKind.KeyDestroyed, wrapError.Kind);
        Assert.Equal([key with { Destroyed = true }], await _provider.ListKeksAsync(label, default));
        var reuse = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.CreateKekAsync(label, 1, default));
        Assert.Equal(KeyErrorKind.Configuration, reuse.Kind);
    }

    [Fact]
    public async Task DestroyKekAsync_UnknownKeyId_ThrowsKeyNotFound()
    {
        var error = await Assert.ThrowsAsync<KeyServiceException>(
            () => _provider.DestroyKekAsync(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), default));

        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }

    [Fact]
    public async Task WrapUnwrap_16TasksThroughPoolOf4_AllRoundTrip()
    {
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "pool4", sessionPoolSize: 4));
        var key = await provider.CreateKekAsync(NewLabel(), 1, default);

        var tasks = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var dataKey = RandomNumberGenerator.GetBytes(32);
                var wrapped = await provider.WrapAsync(key.KeyId, dataKey, default);
                Assert.Equal(dataKey, await provider.UnwrapAsync(key.KeyId, wrapped, default));
            }
        }));

        await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task TwoProviders_TwoTokens_KeysStayOnTheirToken()
    {
        using var otherToken = SoftHsmToken.Create("other");
        await using var other = new Pkcs11KeyProvider(otherToken.ProviderOptions(name: "other"));
        var label = NewLabel();
        var here = await _provider.CreateKekAsync(label, 1, default);

        Assert.Empty(await other.ListKeksAsync(label, default));
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => other.WrapAsync(here.KeyId, new byte[32], default));
        Assert.Equal(KeyErrorKind.KeyNotFound, error.Kind);
    }
}
