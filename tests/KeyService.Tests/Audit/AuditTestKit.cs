using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using StackExchange.Redis;

namespace Sovereignty.KeyService.Tests.Audit;

/// <summary>
/// A software RSA checkpoint signer, for unit tests of the log only: the integration tests
/// sign with the audit key in a real SoftHSM token.
/// </summary>
internal sealed class SoftwareCheckpointSigner : ICheckpointSigner, IDisposable
{
    public RSA Key { get; } = RSA.Create(2048);

    public string KeyId => "test-audit-key";

    public int Calls { get; private set; }

    public Task<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        Calls++;
        return Task.FromResult(Key.SignData(data.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    public RSA PublicKey()
    {
        var rsa = RSA.Create();
        rsa.ImportRSAPublicKey(Key.ExportRSAPublicKey(), out _);
        return rsa;
    }

    public void Dispose() => Key.Dispose();
}

internal static class AuditTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 8, 0, 0, TimeSpan.Zero);

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public static AuditOptions Options(string prefix, string node, Action<AuditOptions>? configure = null)
    {
        var options = new AuditOptions
        {
            Redis = "unused",
            NodeId = node,
            KeyPrefix = prefix,
            CheckpointEvery = 50,
            CheckpointInterval = TimeSpan.FromMinutes(5),
            Retention = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        return options;
    }

    public static RedisKeyEventLog CreateLog(IConnectionMultiplexer redis, AuditOptions options, ICheckpointSigner signer, TimeProvider time) =>
        new(redis, Microsoft.Extensions.Options.Options.Create(options), signer, time, NullLogger<RedisKeyEventLog>.Instance);

    public static KeyEvent Event(
        KeyOperation operation = KeyOperation.WrapDataKey,
        string keyClass = "confidential-fr",
        int version = 1,
        string actor = "alice",
        string? objectId = "/docs/a.pdf",
        KeyEventResult result = KeyEventResult.Ok,
        string? correlation = null,
        IReadOnlyList<string>? recipients = null) =>
        new(
            operation,
            keyClass,
            new KeyReference(keyClass, "0a0b" + version, version),
            new KeyUse
            {
                Actor = actor,
                Groups = ["staff", "finance"],
                ClientAddress = "192.0.2.10",
                ClientSoftware = "test-client/1.0",
                ObjectId = objectId,
                Purpose = "rule-confidential",
                PolicyVersion = "sha256:abc",
                CorrelationId = correlation ?? Guid.NewGuid().ToString("N"),
            },
            result,
            result == KeyEventResult.Error ? "CKR_DEVICE_ERROR" : null,
            new Dictionary<string, string> { ["cache"] = "miss" },
            recipients);

    /// <summary>Every stored event of every node, decoded, in chain order per node.</summary>
    public static async Task<List<AuditRecord>> ReadAllAsync(IConnectionMultiplexer redis, string prefix)
    {
        var reader = new AuditReader(redis, prefix);
        var all = new List<AuditRecord>();
        foreach (var node in await reader.NodesAsync())
        {
            await foreach (var stored in reader.ReadAllAsync(node, null, CancellationToken.None))
            {
                all.Add(stored.TryDecode(out var error) ?? throw new InvalidOperationException(error));
            }
        }

        return all;
    }

    public static FakeTimeProvider Clock() => new(Start) { AutoAdvanceAmount = TimeSpan.FromMilliseconds(7) };

    public static IOptions<T> Wrap<T>(T value)
        where T : class => Microsoft.Extensions.Options.Options.Create(value);
}
