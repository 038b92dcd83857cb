using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sovereignty.KeyService.Audit;
using StackExchange.Redis;

namespace Sovereignty.Bench.Audit;

/// <summary>
/// One audit log node as the gateway runs it (defaults: batches of 512, checkpoint every
/// 1,000 events), signing checkpoints with an in-process RSA-2048 key: SoftHSM signs at
/// ~2,000/s, so at one signature per 1,000 events the HSM is not what this measures.
/// </summary>
internal sealed class AuditLogHost : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly Signer _signer;

    private AuditLogHost(ConnectionMultiplexer redis, RedisKeyEventLog log, Signer signer)
    {
        _redis = redis;
        Log = log;
        _signer = signer;
    }

    public RedisKeyEventLog Log { get; }

    public RSA PublicKey => _signer.Key;

    public static async Task<AuditLogHost> StartAsync(string connectionString, string prefix, string node)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
        // Default retention (400 days): the activity counters get their TTL as in production.
        var options = new AuditOptions { Redis = connectionString, NodeId = node, KeyPrefix = prefix };
        var signer = new Signer();
        var log = new RedisKeyEventLog(redis, Options.Create(options), signer, TimeProvider.System, NullLogger<RedisKeyEventLog>.Instance);
        return new AuditLogHost(redis, log, signer);
    }

    public async ValueTask DisposeAsync()
    {
        await Log.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private sealed class Signer : ICheckpointSigner
    {
        public RSA Key { get; } = RSA.Create(2048);

        public string KeyId => "bench-rsa-2048";

        public Task<byte[]> SignAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
            Task.FromResult(Key.SignData(data.Span, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}

/// <summary>Loads many events quickly through the same append script the log uses, pipelined.</summary>
internal static class BulkLoader
{
    public static async Task LoadAsync(IConnectionMultiplexer redis, string prefix, string node, int count, Func<int, KeyService.Audit.KeyEvent> events)
    {
        var keys = new AuditKeys(prefix, node);
        var db = redis.GetDatabase();
        await db.SetAddAsync(AuditKeys.NodeRegistry(prefix), node);
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var step = TimeSpan.FromDays(30).Ticks / count;
        var previous = AuditRecordCodec.GenesisHash;
        var pending = new List<Task>();
        const int batch = 500;
        for (var first = 0; first < count; first += batch)
        {
            var records = new List<AuditRecord>(batch);
            for (var i = first; i < Math.Min(count, first + batch); i++)
            {
                var time = start.AddTicks(step * i);
                var record = AuditRecordCodec.Create(events(i), node, i + 1, time, previous, time.ToUnixTimeMilliseconds());
                records.Add(record);
                previous = record.Hash;
            }

            var (k, a) = AppendScript.Build(keys, records, first, 0);
            pending.Add(db.ScriptEvaluateAsync(AppendScript.Lua, k, a)); // one connection keeps the order
            if (pending.Count == 4)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
    }
}

internal static class AuditRecordShape
{
    /// <summary>A stream entry shaped like a stored event (one packed field).</summary>
    public static NameValueEntry[] Sample()
    {
        var keyEvent = new KeyService.Audit.KeyEvent(
            KeyService.Audit.KeyOperation.WrapDataKey, "confidential-fr",
            new KeyService.Keys.KeyReference("confidential-fr", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", 1),
            new KeyService.Keys.KeyUse { Actor = "user0001", ObjectId = "/sites/finance/docs/report-1.docx", Purpose = "rule-confidential-finance", CorrelationId = Guid.NewGuid().ToString("N") },
            KeyService.Audit.KeyEventResult.Ok);
        var record = AuditRecordCodec.Create(keyEvent, "raw", 1, DateTimeOffset.UtcNow, AuditRecordCodec.GenesisHash, 1);
        return [new(StoredEventEntry.Field, StoredEventEntry.Pack(AuditRecordCodec.ToValues(record)))];
    }
}

/// <summary>
/// Splits one append into its client part (numbering, hashing, arguments) and its Redis part
/// (the script), in wall-clock time and in CPU time: on a shared machine the CPU time each
/// side spends per event varies far less than the wall-clock figures.
/// </summary>
internal static class AppendProfile
{
    public static async Task RunAsync(IConnectionMultiplexer redis, Func<int, KeyService.Audit.KeyEvent> events, int batches, int size, Func<string, Task<string>> info)
    {
        var keys = new AuditKeys("profile", "p");
        var db = redis.GetDatabase();
        var previous = AuditRecordCodec.GenesisHash;
        var client = new System.Diagnostics.Stopwatch();
        var server = new System.Diagnostics.Stopwatch();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        var redisCpuBefore = RedisCpuSeconds(await info("cpu"));
        var clientCpuBefore = process.TotalProcessorTime;
        for (var b = 0; b < batches; b++)
        {
            client.Start();
            var records = new List<AuditRecord>(size);
            for (var i = 0; i < size; i++)
            {
                var seq = (b * size) + i + 1;
                var record = AuditRecordCodec.Create(events(seq), "p", seq, DateTimeOffset.UtcNow, previous, seq);
                records.Add(record);
                previous = record.Hash;
            }

            var (k, a) = AppendScript.Build(keys, records, b * size, 0);
            client.Stop();
            server.Start();
            await db.ScriptEvaluateAsync(AppendScript.Lua, k, a);
            server.Stop();
        }

        process.Refresh();
        var clientCpu = process.TotalProcessorTime - clientCpuBefore;
        var redisCpu = RedisCpuSeconds(await info("cpu")) - redisCpuBefore;
        var total = batches * size;
        Console.WriteLine(await info("commandstats"));
        Console.WriteLine($"append profile: {total:N0} events in batches of {size}: client {client.Elapsed.TotalMilliseconds * 1000 / total:F1} us/event, script round trip {server.Elapsed.TotalMilliseconds * 1000 / total:F1} us/event");
        Console.WriteLine($"append CPU time: redis-server {redisCpu * 1e6 / total:F1} us/event, benchmark process {clientCpu.TotalMicroseconds / total:F1} us/event (includes building the sample events)");
    }

    /// <summary>CPU time (user + system) of the redis-server process, from <c>INFO cpu</c>.</summary>
    public static double RedisCpuSeconds(string info) => InfoValue(info, "used_cpu_user", null) + InfoValue(info, "used_cpu_sys", null);

    /// <summary>A value of an INFO line: <c>name:value</c>, or <c>name:k=v,...</c> with <paramref name="key"/>; 0 when absent.</summary>
    public static double InfoValue(string info, string name, string? key)
    {
        var line = info.Split('\n').FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal));
        if (line is null)
        {
            return 0;
        }

        var value = line[(name.Length + 1)..].Trim();
        if (key is not null)
        {
            value = value.Split(',').Select(p => p.Split('=')).First(p => p[0] == key)[1];
        }

        return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
