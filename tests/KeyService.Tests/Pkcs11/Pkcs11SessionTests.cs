using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>The one-call data-key wrap (<see cref="Pkcs11Session.WrapKeyPadded"/>) against Pkcs11Interop's own two-call wrap.</summary>
public sealed class Pkcs11SessionTests : IClassFixture<SoftHsmToken>, IDisposable
{
    private readonly SoftHsmToken _token;
    private readonly Pkcs11KeyProvider _provider;

    public Pkcs11SessionTests(SoftHsmToken token)
    {
        _token = token;
        _provider = new Pkcs11KeyProvider(_token.ProviderOptions());
    }

    public void Dispose() => _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Theory]
    [InlineData(16, 24)]
    [InlineData(20, 32)]
    [InlineData(32, 40)]
    [InlineData(64, 72)]
    public void PaddedWrapLength_IsRfc5649Length(int keyLength, int wrappedLength)
    {
        Assert.Equal(wrappedLength, Pkcs11Session.PaddedWrapLength(keyLength));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(32)]
    [InlineData(64)]
    public async Task WrapKeyPadded_SameBytesAsTwoCallWrap_AndProviderUnwrapsThem(int keyLength)
    {
        var key = await _provider.CreateKekAsync("k" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5)), 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(keyLength);

        var (oneCall, twoCalls) = _provider.Module.Run(_provider.Module.Generation, library =>
        {
            using var session = _token.FindSlot(library).OpenSession(SessionType.ReadWrite);
            var ours = Assert.IsType<Pkcs11Session>(session);
            var kek = Assert.Single(session.FindAllObjectsAndFree(Pkcs11Templates.SecretKeyById(Convert.FromHexString(key.KeyId))));
            var temporary = session.CreateObjectAndFree(Pkcs11Templates.DataKeyToWrap(dataKey));
            try
            {
                return (ours.WrapKeyPadded(kek, temporary, keyLength),
                    session.WrapKey(session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_WRAP_PAD), kek, temporary));
            }
            finally
            {
                session.DestroyObject(temporary);
            }
        });

        // RFC 5649 with the default IV is deterministic: the same key under the same KEK wraps the same.
        Assert.Equal(twoCalls, oneCall);
        Assert.Equal(Pkcs11Session.PaddedWrapLength(keyLength), oneCall.Length);
        Assert.Equal(dataKey, await _provider.UnwrapAsync(key.KeyId, oneCall, default));
    }
}
