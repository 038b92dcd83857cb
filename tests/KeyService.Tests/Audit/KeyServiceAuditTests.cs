using System.Security.Cryptography;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.KeyService.Providers;
using Sovereignty.Testing;

namespace Sovereignty.KeyService.Tests.Audit;

/// <summary>
/// The real thing: key ring, key manager and key pairs on a SoftHSM token, recording into
/// the Redis audit log, checkpoints signed by the audit key pair in the same token.
/// </summary>
[Collection(RedisCollectionDefinition.Name)]
public sealed class KeyServiceAuditTests(RedisFixture redis, SoftHsmToken token) : IClassFixture<SoftHsmToken>
{
    private static readonly KeyUse Use = new()
    {
        Actor = "alice",
        Groups = ["legal"],
        ClientAddress = "198.51.100.7",
        ClientSoftware = "curl/8.0",
        ObjectId = "/docs/contract.docx",
        Purpose = "rule-confidential",
        PolicyVersion = "sha256:0f0f",
        CorrelationId = "req-42",
    };

    [Fact]
    public async Task KeyOperations_OnSoftHsm_EachRecordExactlyOneEventAndTheChainVerifiesWithTheHsmKey()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new HsmOptions
        {
            Providers = [token.ProviderOptions(name: "softhsm")],
            KeyClasses = [new KeyClassOptions { Name = "confidential-fr", Provider = "softhsm", KeyLabel = "conf-" + suffix, Residency = "fr" }],
            KeyPairs =
            [
                new KeyPairOptions { Name = "smime-signing", Provider = "softhsm", KeyLabel = "sign-" + suffix, ModulusBits = 2048, Residency = "fr" },
                new KeyPairOptions { Name = "audit-checkpoints", Provider = "softhsm", KeyLabel = "audit-" + suffix, ModulusBits = 2048, Residency = "fr" },
            ],
        };
        var prefix = AuditTestKit.NewPrefix();
        await using var registry = new KeyProviderRegistry(options);
        var catalog = new KeyCatalog(options, registry, TimeProvider.System);
        var signer = new HsmCheckpointSigner(catalog, "audit-checkpoints");
        var reader = new AuditReader(redis.Connection, prefix);

        await using (var log = AuditTestKit.CreateLog(redis.Connection, AuditTestKit.Options(prefix, "node-1", o => o.CheckpointEvery = 3), signer, TimeProvider.System))
        {
            var manager = new KeyManager(catalog, log);
            var ring = new KeyRing(catalog, log);
            var pairs = new KeyPairRing(catalog, log);

            await manager.InitAsync(Use, default);
            var initEvents = await NewEventsAsync(reader, 0);
            Assert.Equal(3, initEvents.Count); // one class, two key pairs
            Assert.All(initEvents, e => Assert.Equal(KeyOperation.CreateKey, e.Operation));

            var seen = initEvents.Count;
            var dataKey = RandomNumberGenerator.GetBytes(32);
            var wrapped = await ring.WrapAsync("confidential-fr", dataKey, Use, default);
            var wrap = Assert.Single(await NewEventsAsync(reader, seen++));
            AssertEvent(wrap, KeyOperation.WrapDataKey, "confidential-fr", KeyEventResult.Ok, wrapped.Key);

            Assert.Equal(dataKey, await ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));
            AssertEvent(Assert.Single(await NewEventsAsync(reader, seen++)), KeyOperation.UnwrapDataKey, "confidential-fr", KeyEventResult.Ok, wrapped.Key);

            var rotated = await manager.RotateAsync("confidential-fr", Use, default);
            AssertEvent(Assert.Single(await NewEventsAsync(reader, seen++)), KeyOperation.RotateKey, "confidential-fr", KeyEventResult.Ok, rotated);

            await pairs.SignAsync("smime-signing", "hello"u8.ToArray(), RsaSignatureScheme.Pkcs1Sha256, Use, default);
            var sign = Assert.Single(await NewEventsAsync(reader, seen++));
            Assert.Equal((KeyOperation.Sign, "smime-signing", KeyEventResult.Ok), (sign.Operation, sign.KeyClass, sign.Result));

            await manager.ShredAsync("confidential-fr", 1, Use, default);
            AssertEvent(Assert.Single(await NewEventsAsync(reader, seen++)), KeyOperation.ShredKey, "confidential-fr", KeyEventResult.Ok, wrapped.Key);

            await Assert.ThrowsAsync<KeyServiceException>(() => ring.UnwrapAsync(wrapped.Key, wrapped.WrappedKey, Use, default));
            var failed = Assert.Single(await NewEventsAsync(reader, seen++));
            Assert.Equal((KeyOperation.UnwrapDataKey, KeyEventResult.Error), (failed.Operation, failed.Result));
            Assert.False(string.IsNullOrEmpty(failed.ErrorCode));
        }

        using var publicKey = await signer.GetPublicKeyAsync(default);
        var verification = await new AuditVerifier(redis.Connection, prefix, publicKey).VerifyAsync("node-1", null, default);
        Assert.True(verification.Intact, string.Join("; ", verification.Nodes.SelectMany(n => n.Findings).Select(f => f.Message)));
        var node = Assert.Single(verification.Nodes);
        Assert.Equal(9, node.Events);
        Assert.Equal("audit-checkpoints", node.LastCheckpoint!.SigningKeyId);
        Assert.Equal(9, node.LastCheckpoint.LastSequence);

        // The same checkpoints do not verify under another key.
        using var other = RSA.Create(2048);
        var forged = await new AuditVerifier(redis.Connection, prefix, other).VerifyAsync("node-1", null, default);
        Assert.Equal(AuditFindingKind.Checkpoint, Assert.Single(Assert.Single(forged.Nodes).Findings).Kind);
    }

    private static void AssertEvent(AuditRecord record, KeyOperation operation, string keyClass, KeyEventResult result, KeyReference key)
    {
        Assert.Equal(operation, record.Operation);
        Assert.Equal(keyClass, record.KeyClass);
        Assert.Equal(result, record.Result);
        Assert.Equal(key.KeyId, record.KeyId);
        Assert.Equal(key.Version, record.KeyVersion);
        Assert.Equal("alice", record.Actor);
        Assert.Equal(["legal"], record.Groups);
        Assert.Equal("198.51.100.7", record.ClientAddress);
        Assert.Equal("curl/8.0", record.ClientSoftware);
        Assert.Equal("/docs/contract.docx", record.ObjectId);
        Assert.Equal("rule-confidential", record.Purpose);
        Assert.Equal("sha256:0f0f", record.PolicyVersion);
        Assert.Equal("req-42", record.CorrelationId);
        Assert.Equal("node-1", record.Node);
    }

    private static async Task<List<AuditRecord>> NewEventsAsync(AuditReader reader, int alreadySeen)
    {
        var all = new List<AuditRecord>();
        await foreach (var stored in reader.ReadAllAsync("node-1", null, default))
        {
            all.Add(stored.TryDecode(out _)!);
        }

        return all.Skip(alreadySeen).ToList();
    }
}
