using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Sovereignty.KeyService.Pkcs11;
using Sovereignty.KeyService.Tests.Support;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Pkcs11;

/// <summary>
/// The pool repairs itself when sessions, the login or the whole module are lost behind its back.
/// These tests finalise the module and close every session, so they run alone.
/// </summary>
[Collection(ModuleDisruptionGroup.Name)]
public sealed class Pkcs11RecoveryTests
{
    private readonly SoftHsmToken _token;

    public Pkcs11RecoveryTests(SoftHsmToken token)
    {
        _token = token;
    }

    [Fact]
    public async Task WrapUnwrap_AllSessionsClosedBehindPool_RecoversConcurrently()
    {
        var logger = new CollectingLogger<Pkcs11KeyProvider>();
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "close-all", sessionPoolSize: 4), logger);
        var key = await provider.CreateKekAsync("recovery-close", 1, default);

        // Several times, from one open session: sessions opened afresh after the close can meet the
        // KEK's working copy that died with the closed session, as well as the stale sessions, in
        // an order that depends on timing; every order must recover.
        for (var cycle = 0; cycle < 5; cycle++)
        {
            await RoundTripsAsync(provider, key.KeyId, tasks: 1, each: 2);
            WithSlot(provider, slot => slot.CloseAllSessions());

            await RoundTripsAsync(provider, key.KeyId, tasks: 8, each: 20);
        }

        Assert.Contains(logger.Entries, e => e.EventId.Id == 1100 && e.Message.Contains("CKR_SESSION_HANDLE_INVALID", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ListKeks_LoggedOutBehindPool_LogsInAgainAndStillSeesKeys()
    {
        var logger = new CollectingLogger<Pkcs11KeyProvider>();
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "logout", sessionPoolSize: 2), logger);
        var key = await provider.CreateKekAsync("recovery-logout", 1, default);

        WithSlot(provider, slot =>
        {
            // Login state belongs to the application: logging out one session logs out all.
            using var session = slot.OpenSession(SessionType.ReadOnly);
            session.Logout();
        });

        Assert.Equal([key], await provider.ListKeksAsync("recovery-logout", default));
        await RoundTripsAsync(provider, key.KeyId, tasks: 2, each: 5);
        Assert.Contains(logger.Entries, e => e.EventId.Id == 1100 && e.Message.Contains("CKR_USER_NOT_LOGGED_IN", StringComparison.Ordinal));
        Assert.Equal(2, logger.Entries.Count(e => e.EventId.Id == 1102));
    }

    [Fact]
    public async Task Unwrap_ModuleFinalizedBehindPool_ReinitializesAndSucceeds()
    {
        await using var provider = new Pkcs11KeyProvider(_token.ProviderOptions(name: "finalize", sessionPoolSize: 4));
        var key = await provider.CreateKekAsync("recovery-finalize", 1, default);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        var wrapped = await provider.WrapAsync(key.KeyId, dataKey, default);
        var generation = provider.Module.Generation;

        using (var raw = new Net.Pkcs11Interop.LowLevelAPI80.Pkcs11Library(_token.ModulePath))
        {
            Assert.Equal(CKR.CKR_OK, raw.C_Finalize(IntPtr.Zero));
        }

        Assert.Equal(dataKey, await provider.UnwrapAsync(key.KeyId, wrapped, default));
        Assert.Equal(generation + 1, provider.Module.Generation);
        await RoundTripsAsync(provider, key.KeyId, tasks: 4, each: 10);
    }

    private void WithSlot(Pkcs11KeyProvider provider, Action<ISlot> action)
    {
        var module = provider.Module;
        module.Run(module.Generation, library =>
        {
            action(_token.FindSlot(library));
            return 0;
        });
    }

    private static async Task RoundTripsAsync(Pkcs11KeyProvider provider, string keyId, int tasks, int each)
    {
        await Task.WhenAll(Enumerable.Range(0, tasks).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                var dataKey = RandomNumberGenerator.GetBytes(32);
                Assert.Equal(dataKey, await provider.UnwrapAsync(keyId, await provider.WrapAsync(keyId, dataKey, default), default));
            }
        })));
    }
}
