using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>KEKs are used through session copies made inside the token (docs/hsm.md, "Working copies").</summary>
public sealed class Pkcs11WorkingCopyTests : IClassFixture<SoftHsmToken>, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KeyProvider _provider;

    public Pkcs11WorkingCopyTests(SoftHsmToken token)
    {
        _token = token;
        _provider = new Pkcs11KeyProvider(_token.ProviderOptions());
    }

    public void Dispose() => _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static string NewLabel() => "k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));

    [Fact]
    public async Task WrapAsync_FirstUse_CopyInSessionKeepsEveryProtectionOfTheKek()
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);

        await _provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default);

        var copy = Assert.Single(KeyObjects(key.KeyId, onToken: false));
        Assert.Single(KeyObjects(key.KeyId, onToken: true));
        Assert.Equal([true, true, false, true, true, false, false, false], copy);
    }

    [Fact]
    public async Task WrapAsync_ManyCallsAtOnce_OneCopyServesThemAll()
    {
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "pool4", sessionPoolSize: 4));
        var key = await provider.CreateKekAsync(NewLabel(), 1, default);

        await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default))));

        Assert.Single(KeyObjects(key.KeyId, onToken: false));
    }

    [Fact]
    public async Task WrapAsync_FirstUseByManyProvidersAtOnce_NoneMistakesAnotherOnesCopyForASecondKey()
    {
        // Each provider has its own sessions and handle cache, so each first wrap searches the
        // token for the KEK and copies it while the others do the same. In SoftHSM a copy carries
        // the KEK's CKA_TOKEN true for a moment before the copy's template is applied. Without
        // Pkcs11Module.SecretKeyGate, each of six runs of this test saw two "token" keys within
        // its 600 rounds (a CI run of the recovery tests saw it once too).
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        for (var round = 0; round < 600; round++)
        {
            var providers = Enumerable.Range(0, 6).Select(i => new Pkcs11KeyProvider(_token.ProviderOptions(name: $"node{i}", sessionPoolSize: 1))).ToArray();
            try
            {
                var wrapped = await Task.WhenAll(providers.Select(p => Task.Run(() => p.WrapAsync(key.KeyId, dataKey, default))));

                Assert.All(wrapped, w => Assert.Equal(dataKey, _provider.UnwrapAsync(key.KeyId, w, default).GetAwaiter().GetResult()));
            }
            finally
            {
                foreach (var provider in providers)
                {
                    await provider.DisposeAsync();
                }
            }
        }

        Assert.Single(KeyObjects(key.KeyId, onToken: true));
    }

    [Fact]
    public async Task DestroyKekAsync_AfterUse_LeavesNoCopyOfTheKeyInTheToken()
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);
        await _provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default);

        await _provider.DestroyKekAsync(key.KeyId, default);

        Assert.Empty(KeyObjects(key.KeyId, onToken: false));
        Assert.Empty(KeyObjects(key.KeyId, onToken: true));
    }

    [Fact]
    public async Task WrapAsync_KekDestroyedByAnotherProvider_KeyDestroyedAfterRecheckIntervalAndCopyGone()
    {
        var key = await _provider.CreateKekAsync(NewLabel(), 1, default);
        var wrapped = await _provider.WrapAsync(key.KeyId, RandomNumberGenerator.GetBytes(32), default);
        await using (var otherNode = new Pkcs11KeyProvider(_token.ProviderOptions(name: "other-node")))
        {
            await otherNode.DestroyKekAsync(key.KeyId, default);
        }

        await Task.Delay(Pkcs11HandleCache.RecheckInterval);

        var wrapError = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.WrapAsync(key.KeyId, new byte[32], default));
        var unwrapError = await Assert.ThrowsAsync<KeyServiceException>(() => _provider.UnwrapAsync(key.KeyId, wrapped, default));
        Assert.Equal(KeyErrorKind.KeyDestroyed, wrapError.Kind);
        Assert.Equal(KeyErrorKind.KeyDestroyed, unwrapError.Kind);
        Assert.Empty(KeyObjects(key.KeyId, onToken: false));
    }

    [Fact]
    public async Task WrapAsync_KekNotCopyable_WrapsAndUnwrapsWithTheTokenObject()
    {
        var id = RandomNumberGenerator.GetBytes(16);
        var keyId = Convert.ToHexStringLower(id);
        await _provider.ListKeksAsync(NewLabel(), default); // logs this process in
        _provider.Module.Run(_provider.Module.Generation, library =>
        {
            using var session = _token.FindSlot(library).OpenSession(SessionType.ReadWrite);
            var template = Pkcs11Templates.Kek($"sov.kek.{NewLabel()}.v1", id);
            template.Add(session.Factories.ObjectAttributeFactory.Create(CKA.CKA_COPYABLE, false));
            return session.GenerateKey(session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN), template);
        });
        var dataKey = RandomNumberGenerator.GetBytes(32);

        var wrapped = await _provider.WrapAsync(keyId, dataKey, default);

        Assert.Equal(dataKey, await _provider.UnwrapAsync(keyId, wrapped, default));
        Assert.Empty(KeyObjects(keyId, onToken: false));
    }

    /// <summary>
    /// Each secret key with this id, token or session object (visible to every session of this
    /// process, logged in by the provider): CKA_PRIVATE, SENSITIVE, EXTRACTABLE, WRAP, UNWRAP,
    /// ENCRYPT, DECRYPT, DERIVE.
    /// </summary>
    private List<bool[]> KeyObjects(string keyId, bool onToken)
    {
        var module = _provider.Module;
        return module.Run(module.Generation, library =>
        {
            using var session = _token.FindSlot(library).OpenSession(SessionType.ReadOnly);
            var factory = session.Factories.ObjectAttributeFactory;
            var handles = session.FindAllObjects(
            [
                factory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
                factory.Create(CKA.CKA_TOKEN, onToken),
                factory.Create(CKA.CKA_ID, Convert.FromHexString(keyId)),
            ]);
            return handles.Select(handle => session.GetAttributeValue(handle,
                [CKA.CKA_PRIVATE, CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_WRAP, CKA.CKA_UNWRAP, CKA.CKA_ENCRYPT, CKA.CKA_DECRYPT, CKA.CKA_DERIVE])
                .Select(a => a.GetValueAsBool()).ToArray()).ToList();
        });
    }
}
