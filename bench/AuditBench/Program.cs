using System.Diagnostics;
using System.Globalization;
using Sovereignty.Bench.Audit;
using Sovereignty.KeyService.Audit;
using Sovereignty.KeyService.Keys;
using Sovereignty.Testing;
using StackExchange.Redis;

// Audit log benchmark. Starts its own redis-server (127.0.0.1, free port, temp dir,
// appendonly yes + appendfsync everysec: the documented durability setting), measures,
// deletes its data and stops the server.
//
//   dotnet run -c Release --project bench/AuditBench [-- --events 100000 --stored 1000000]
var events = Arg("--events", 100_000);
var stored = Arg("--stored", 1_000_000);
var callers = Arg("--callers", 256);

await using var server = await RedisServer.StartAsync();
// Long timeouts: the 1M-event load queues big script calls on a shared 2-core machine.
await using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",asyncTimeout=120000,syncTimeout=120000");
var db = redis.GetDatabase();
Console.WriteLine($"redis-server 127.0.0.1:{server.Port}, appendonly yes, appendfsync everysec; {Environment.ProcessorCount} cores; load average {File.ReadAllText("/proc/loadavg").Trim()}");
if (args.Contains("--profile"))
{
    await AppendProfile.RunAsync(redis, SampleEvent, Arg("--batches", 40), 256, section => RedisInfoAsync(server, section));
    return 0;
}
Console.WriteLine();

// Baseline 1: a raw XADD loop, each awaited before the next (an entry shaped like a stored event).
var fields = SampleFields();
var sequential = Math.Min(events, 30_000);
var watch = Stopwatch.StartNew();
for (var i = 0; i < sequential; i++)
{
    await db.StreamAddAsync("raw:seq", fields);
}

Report("raw XADD, sequential await", sequential, watch.Elapsed);

// Baseline 2: raw XADD pipelined (up to 1,000 in flight).
watch.Restart();
var inflight = new List<Task>(1000);
for (var i = 0; i < events; i++)
{
    inflight.Add(db.StreamAddAsync("raw:pipe", fields));
    if (inflight.Count == 1000)
    {
        await Task.WhenAll(inflight);
        inflight.Clear();
    }
}

await Task.WhenAll(inflight);
Report("raw XADD, pipelined", events, watch.Elapsed);
await db.KeyDeleteAsync(["raw:seq", "raw:pipe"]);

// The audit log: durable (acknowledged by Redis) before RecordAsync returns, chained,
// indexed, checkpointed every 1,000 events with an RSA-2048 signature.
var log = await AuditLogHost.StartAsync(server.ConnectionString, "bench", "bench-node");
var keyEvents = Enumerable.Range(0, 64).Select(SampleEvent).ToArray();
for (var i = 0; i < 1000; i++)
{
    await log.Log.RecordAsync(keyEvents[i % keyEvents.Length], default); // warm-up
}

var next = -1;
var single = Math.Min(events, 5_000);
watch.Restart();
for (var i = 0; i < single; i++)
{
    await log.Log.RecordAsync(keyEvents[i % keyEvents.Length], default);
}

Report("audit RecordAsync, 1 caller (sequential)", single, watch.Elapsed);

// A few concurrent callers (a gateway node under moderate load): latency of each RecordAsync.
var few = Math.Min(events, 20_000);
var latencies = new double[few];
next = -1;
watch.Restart();
await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
{
    while (true)
    {
        var i = Interlocked.Increment(ref next);
        if (i >= few)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        await log.Log.RecordAsync(keyEvents[i % keyEvents.Length], default);
        latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }
}));
Report("audit RecordAsync, 8 concurrent callers", few, watch.Elapsed);
Array.Sort(latencies);
Console.WriteLine($"  latency per event: p50 {latencies[few / 2]:F3} ms, p99 {latencies[(int)(few * 0.99)]:F3} ms");

var redisBefore = await RedisInfoAsync(server, "all");
var processCpuBefore = Environment.CpuUsage.TotalTime;
watch.Restart();
next = -1;
await Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
{
    while (true)
    {
        var i = Interlocked.Increment(ref next);
        if (i >= events)
        {
            return;
        }

        await log.Log.RecordAsync(keyEvents[i % keyEvents.Length], default);
    }
}));
Report($"audit RecordAsync, {callers} concurrent callers", events, watch.Elapsed);
var processCpu = Environment.CpuUsage.TotalTime - processCpuBefore;
var redisAfter = await RedisInfoAsync(server, "all");
var scripts = AppendProfile.InfoValue(redisAfter, "cmdstat_evalsha", "calls") - AppendProfile.InfoValue(redisBefore, "cmdstat_evalsha", "calls");
var redisCpu = AppendProfile.RedisCpuSeconds(redisAfter) - AppendProfile.RedisCpuSeconds(redisBefore);
Console.WriteLine($"  {scripts:N0} script calls ({events / Math.Max(1, scripts):F0} events per batch); CPU per event: redis-server {redisCpu * 1e6 / events:F1} us, benchmark process {processCpu.TotalMicroseconds / events:F1} us");
await log.DisposeAsync();

var verifyWatch = Stopwatch.StartNew();
var verification = await new AuditVerifier(redis, "bench", log.PublicKey).VerifyAsync("bench-node", null, default);
Console.WriteLine($"verify: {(verification.Intact ? "intact" : "NOT INTACT")}, {verification.Events:N0} events in {verifyWatch.Elapsed.TotalSeconds:F1} s");
await DeletePrefixAsync(redis, server, "bench");
Console.WriteLine();

if (stored == 0)
{
    return 0;
}

// Query latency over `stored` events: loaded through the same append script, pipelined.
var loadWatch = Stopwatch.StartNew();
await BulkLoader.LoadAsync(redis, "q", "query-node", stored, SampleEvent);
Console.WriteLine($"loaded {stored:N0} events (with indexes) in {loadWatch.Elapsed.TotalSeconds:F1} s; redis used_memory {await UsedMemoryAsync(redis, server)}");
var reader = new AuditReader(redis, "q");
foreach (var (name, query) in new[]
{
    ("100-event page by key class:version", new AuditQuery { KeyClass = "confidential-fr", KeyVersion = 2, Limit = 100 }),
    ("100-event page by key class", new AuditQuery { KeyClass = "secret-fr", Limit = 100 }),
    ("100-event page by actor", new AuditQuery { Actor = "user0042", Limit = 100 }),
    ("100-event page by actor, oldest first", new AuditQuery { Actor = "user0042", Limit = 100, OldestFirst = true }),
    // SampleEvent denies only i % 50 == 49, which are all Sign operations (i % 10 == 9):
    // an "unwrap + denied" page is empty by construction (the earlier 0-event result).
    ("100-event page by operation + result", new AuditQuery { Operation = KeyOperation.Sign, Result = KeyEventResult.Denied, Limit = 100 }),
    ("100-event page by actor + operation", new AuditQuery { Actor = "user0042", Operation = KeyOperation.WrapDataKey, Limit = 100 }),
    ("100-event page, time range only", new AuditQuery { Limit = 100 }),
})
{
    var samples = new List<double>();
    for (var run = 0; run < 25; run++)
    {
        var q = Stopwatch.StartNew();
        var page = await reader.QueryAsync(query, default);
        samples.Add(q.Elapsed.TotalMilliseconds);
        if (page.Count != 100)
        {
            throw new InvalidOperationException($"{name}: expected 100 events, got {page.Count}");
        }
    }

    samples.Sort();
    Console.WriteLine($"{name,-42} median {samples[samples.Count / 2],7:F2} ms   p95 {samples[(int)(samples.Count * 0.95)],7:F2} ms");
}

await DeletePrefixAsync(redis, server, "q");
Console.WriteLine("data deleted");
return 0;

static void Report(string name, int count, TimeSpan elapsed) =>
    Console.WriteLine($"{name,-42} {count / elapsed.TotalSeconds,12:N0} events/s   ({count:N0} in {elapsed.TotalSeconds:F2} s)");

int Arg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static NameValueEntry[] SampleFields() => AuditRecordShape.Sample();

static KeyEvent SampleEvent(int i) => new(
    (i % 10) switch { < 5 => KeyOperation.WrapDataKey, < 9 => KeyOperation.UnwrapDataKey, _ => KeyOperation.Sign },
    i % 3 == 0 ? "secret-fr" : "confidential-fr",
    new KeyReference(i % 3 == 0 ? "secret-fr" : "confidential-fr", "0a1b2c3d4e5f60718293a4b5c6d7e8f9", 1 + (i % 2)),
    new KeyUse
    {
        Actor = "user" + (i % 5000).ToString("D4", CultureInfo.InvariantCulture),
        Groups = ["staff", "dept-" + (i % 40).ToString(CultureInfo.InvariantCulture)],
        ClientAddress = "10.20." + (i % 250).ToString(CultureInfo.InvariantCulture) + ".7",
        ClientSoftware = "Microsoft Office/16.0",
        ObjectId = "/sites/finance/docs/report-" + (i % 200_000).ToString(CultureInfo.InvariantCulture) + ".docx",
        Purpose = "rule-confidential-finance",
        PolicyVersion = "sha256:9f86d081884c7d65",
        CorrelationId = Guid.NewGuid().ToString("N"),
    },
    i % 50 == 49 ? KeyEventResult.Denied : KeyEventResult.Ok);

static async Task<string> RedisInfoAsync(RedisServer server, string section)
{
    var start = new System.Diagnostics.ProcessStartInfo("redis-cli", ["-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "info", section]) { RedirectStandardOutput = true };
    using var process = System.Diagnostics.Process.Start(start)!;
    var info = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return info;
}

static async Task<string> UsedMemoryAsync(IConnectionMultiplexer redis, RedisServer server)
{
    // redis-cli, not the client: INFO needs an admin-mode connection, and the connections
    // here are like the audit log's own, which must not have admin rights.
    _ = redis;
    var start = new System.Diagnostics.ProcessStartInfo("redis-cli", ["-h", "127.0.0.1", "-p", server.Port.ToString(CultureInfo.InvariantCulture), "info", "memory"]) { RedirectStandardOutput = true };
    using var process = System.Diagnostics.Process.Start(start)!;
    var info = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    var line = info.Split('\n').FirstOrDefault(l => l.StartsWith("used_memory_human:", StringComparison.Ordinal));
    return line is null ? "unknown" : line["used_memory_human:".Length..].Trim();
}

static async Task DeletePrefixAsync(IConnectionMultiplexer redis, RedisServer server, string prefix)
{
    var db = redis.GetDatabase();
    var batch = new List<RedisKey>();
    await foreach (var key in redis.GetServer("127.0.0.1", server.Port).KeysAsync(pattern: prefix + ":*", pageSize: 1000))
    {
        batch.Add(key);
        if (batch.Count == 1000)
        {
            await db.KeyDeleteAsync([.. batch]);
            batch.Clear();
        }
    }

    if (batch.Count > 0)
    {
        await db.KeyDeleteAsync([.. batch]);
    }
}
