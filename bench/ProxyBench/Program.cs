using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sovereignty.Bench.Proxy;
using Sovereignty.Proxy.Identity;
using Sovereignty.Testing;

// Usage (an unknown or malformed argument gets this list and exit code 2): Sovereignty.Bench.Proxy [--stream-gib N] [--seconds S] [--warmup S] [--memory-only | --small-only | --large-only] [--runs N] [--env NAME=VALUE]… [--sovereignty-only]   (the driver;
//        --warmup: seconds of untimed 4 KiB PUT and GET at 8 clients per gateway before measuring (default 5 each);
//        --env is given to both gateway processes, e.g. DOTNET_gcServer=0; --small-only runs the 4 KiB cases alone;
//        --large-only runs the 100 MiB upload and download alone, median of --runs transfers each (default 5);
//        --sovereignty-only skips plain YARP: for profiling, with the phase times printed on CLOCK_MONOTONIC for `perf report --time`;
//        --rate R: requests/s of the fixed-rate 4 KiB phases, 8 clients in turn (default 800, below what either gateway carries here);
//        --memory-limit-mb N: each gateway runs in a memory cgroup with this hard limit, as in a container (needs root); the memory phases
//          then also report the cgroup's peak charge and whether the kernel killed the gateway;
//        --paired [--rounds N]: both gateways at once, taking turns phase by phase for the 100 MiB, 4 KiB and 1 MiB PUT figures (default 7 rounds);
//          the 1 MiB PUT also takes turns with a third gateway, plain YARP reading each body whole before sending it (store and forward))
//        Sovereignty.Bench.Proxy yarp URL UPSTREAM [--whole-body-first]   (a baseline gateway, started by the driver)
if (args is ["yarp", string url, string upstream, .. var mode] && mode is [] or ["--whole-body-first"])
{
    await PlainYarpHost.RunAsync(url, upstream, wholeBodyFirst: mode is ["--whole-body-first"]);
    return 0;
}

string[] valuedOptions = ["--stream-gib", "--rate", "--rounds", "--seconds", "--warmup", "--runs", "--memory-limit-mb"];
string[] flags = ["--memory-only", "--small-only", "--large-only", "--sovereignty-only", "--paired"];

// An option this driver does not know (a typo, or --help) would otherwise start a full run
// of several minutes with the defaults.
if (ArgumentError(args, valuedOptions, flags) is string error)
{
    Console.Error.WriteLine($"{error}. Options: {string.Join(' ', valuedOptions.Select(o => o + " N"))} --env NAME=VALUE {string.Join(' ', flags)}");
    return 2;
}

double streamGiB = Option("--stream-gib", 2);
double fixedRate = Option("--rate", 800);
int pairedRounds = (int)Option("--rounds", 7);
if (fixedRate <= 0 || pairedRounds < 1)
{
    Console.Error.WriteLine($"--rate must be above 0 (got {fixedRate}) and --rounds at least 1 (got {pairedRounds}).");
    return 2;
}

double seconds = Option("--seconds", 5);
double warmupSeconds = Option("--warmup", 5);
int largeRuns = (int)Option("--runs", 5);
double memoryLimitMb = Option("--memory-limit-mb", 0);
long? memoryLimitBytes = memoryLimitMb > 0 ? (long)(memoryLimitMb * 1e6) : null;
if (memoryLimitBytes is long probeLimit)
{
    // Fail before minutes of set-up, not when the first gateway starts.
    try
    {
        MemoryCgroup.Create("probe", probeLimit).Dispose();
    }
    catch (InvalidOperationException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
}

long streamBytes = (long)(streamGiB * 1024 * 1024 * 1024);
const long Large = 100L * 1024 * 1024;
const int Streams = 8;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;

using SoftHsmToken token = SoftHsmToken.Create("proxybench");
await using NginxWebDav nginx = await NginxWebDav.StartAsync();
// Sovereignty's French store (uploads past the inspection window go there): a store of its own,
// since the gateway removes an uploaded path from the stores read before the upload's.
await using NginxWebDav nginxFr = await NginxWebDav.StartAsync();
await using RedisServer redis = await RedisServer.StartAsync();
await using DiscardingStore sink = await DiscardingStore.StartAsync();
using DevTokenIssuer issuer = DevTokenIssuer.Generate();
string bearer = issuer.Mint("https://idp.bench.invalid", "sovereignty", "bench", ["collaborateurs-groupe"], TimeSpan.FromHours(2), DateTimeOffset.UtcNow);
string work = Directory.CreateTempSubdirectory("sovereignty-proxybench-").FullName;
string repository = RepositoryRoot();
string sovereigntyDll = Path.Combine(AppContext.BaseDirectory, "sovereignty.dll");
string baselineDll = Path.Combine(AppContext.BaseDirectory, "Sovereignty.Bench.Proxy.dll");
var environment = new Dictionary<string, string>(SoftHsmToken.ChildProcessEnvironment);
bool memoryOnly = args.Contains("--memory-only");
bool smallOnly = args.Contains("--small-only");
bool largeOnly = args.Contains("--large-only");
bool sovereigntyOnly = args.Contains("--sovereignty-only");
for (int i = 0; i + 1 < args.Length; i++)
{
    if (args[i] == "--env" && args[i + 1].Split('=', 2) is [string key, string value])
    {
        environment[key] = value;
    }
}

string SovereigntySettings(Uri store, Uri frStore)
{
    var settings = new Dictionary<string, string>
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Sovereignty:Identity:Issuer"] = "https://idp.bench.invalid",
        ["Sovereignty:Identity:Audience"] = "sovereignty",
        ["Sovereignty:Identity:SigningKeys:0"] = issuer.PublicKeyPem,
        ["Sovereignty:Documents:PolicyDirectory"] = Path.Combine(repository, "policies"),
        ["Sovereignty:Audit:Redis"] = redis.ConnectionString,
        ["Sovereignty:Audit:NodeId"] = "proxybench",
        ["Sovereignty:Hsm:Providers:0:Name"] = "softhsm",
        ["Sovereignty:Hsm:Providers:0:ModulePath"] = token.ModulePath,
        ["Sovereignty:Hsm:Providers:0:TokenLabel"] = token.TokenLabel,
        ["Sovereignty:Hsm:Providers:0:PinFile"] = token.PinFile,
        ["Sovereignty:Hsm:KeyClasses:0:Name"] = "interne-eu",
        ["Sovereignty:Hsm:KeyClasses:0:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:0:Residency"] = "EU",
        ["Sovereignty:Hsm:KeyClasses:1:Name"] = "confidentiel-fr",
        ["Sovereignty:Hsm:KeyClasses:1:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:1:Residency"] = "FR",
        ["Sovereignty:Hsm:KeyClasses:2:Name"] = "diffusion-restreinte-fr",
        ["Sovereignty:Hsm:KeyClasses:2:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyClasses:2:Residency"] = "FR",
        ["Sovereignty:Hsm:KeyPairs:0:Name"] = "audit-checkpoints",
        ["Sovereignty:Hsm:KeyPairs:0:Provider"] = "softhsm",
        ["Sovereignty:Hsm:KeyPairs:0:ModulusBits"] = "2048",
        ["Sovereignty:Hsm:KeyPairs:0:Residency"] = "FR",
        ["ReverseProxy:Routes:documents:ClusterId"] = "sharepoint-eu",
        ["ReverseProxy:Routes:documents:Match:Path"] = "/{**path}",
        ["ReverseProxy:Routes:documents:Metadata:Sovereignty.Stores"] = "sharepoint-eu,sharepoint-fr",
        ["ReverseProxy:Clusters:sharepoint-eu:Destinations:a:Address"] = store.ToString(),
        ["ReverseProxy:Clusters:sharepoint-eu:Metadata:Sovereignty.Location"] = "EU",
        ["ReverseProxy:Clusters:sharepoint-fr:Destinations:a:Address"] = frStore.ToString(),
        ["ReverseProxy:Clusters:sharepoint-fr:Metadata:Sovereignty.Location"] = "FR",
    };
    string path = Path.Combine(work, $"serve-{store.Port}.json");
    File.WriteAllText(path, JsonSerializer.Serialize(settings));
    return path;
}

Task<GatewayProcess> StartSovereigntyAsync(Uri store, Uri frStore)
{
    int port = FreePort();
    return GatewayProcess.StartAsync("sovereignty", sovereigntyDll,
        ["serve", "--config", SovereigntySettings(store, frStore), "--urls", $"http://127.0.0.1:{port}"], port, "/readyz", environment, memoryLimitBytes);
}

Task<GatewayProcess> StartBaselineAsync(Uri store, bool wholeBodyFirst = false)
{
    int port = FreePort();
    string[] arguments = ["yarp", $"http://127.0.0.1:{port}", store.ToString(), .. wholeBodyFirst ? ["--whole-body-first"] : Array.Empty<string>()];
    return GatewayProcess.StartAsync(wholeBodyFirst ? "YARP store-and-forward" : "plain YARP", baselineDll, arguments, port, "/healthz", environment, memoryLimitBytes);
}

// Keys: the first version of every class, once, through the CLI.
{
    var init = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("dotnet", ["exec", sovereigntyDll, "keys", "init", "--config", SovereigntySettings(nginx.BaseAddress, nginxFr.BaseAddress)])
    {
        Environment = { ["SOFTHSM2_CONF"] = SoftHsmToken.ConfigPath },
        RedirectStandardOutput = true,
    })!;
    await init.StandardOutput.ReadToEndAsync();
    await init.WaitForExitAsync();
    if (init.ExitCode != 0)
    {
        throw new InvalidOperationException("keys init failed");
    }
}

Console.WriteLine($"# Document proxy benchmark ({DateTime.UtcNow:u}); load before: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"gateway environment: {string.Join(' ', environment.Where(e => e.Key != "SOFTHSM2_CONF").Select(e => e.Key + "=" + e.Value))}");
Console.WriteLine($"upstream: nginx WebDAV {nginx.BaseAddress} (throughput, latency, downloads; Sovereignty's French store: {nginxFr.BaseAddress}); discarding Kestrel sink {sink.BaseAddress} (the 8 × {streamGiB} GiB uploads)");
var rows = new List<string[]>();
void Row(string measure, string unit, double baseline, double sovereignty, bool higherIsBetter = true)
{
    if (double.IsNaN(baseline) && double.IsNaN(sovereignty))
    {
        return; // a phase this run skipped (--small-only, --large-only, --memory-only)
    }

    // One side is missing only with --sovereignty-only: its cells say so rather than "NaN".
    string Cell(double value) => double.IsNaN(value) ? "—" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + unit;
    string comparison = double.IsNaN(baseline) ? "—"
        : higherIsBetter ? $"{sovereignty / baseline * 100:0} %" : $"{sovereignty - baseline:+0.00;-0.00} {unit}";
    rows.Add([measure, Cell(baseline), Cell(sovereignty), comparison]);
}

if (args.Contains("--paired"))
{
    await using GatewayProcess pairedBaseline = await StartBaselineAsync(nginx.BaseAddress);
    await using GatewayProcess pairedSovereignty = await StartSovereigntyAsync(nginx.BaseAddress, nginxFr.BaseAddress);
    await using GatewayProcess pairedStoreAndForward = await StartBaselineAsync(nginx.BaseAddress, wholeBodyFirst: true);
    using var baselineLoad = new Load(pairedBaseline.BaseAddress, bearer);
    using var sovereigntyLoad = new Load(pairedSovereignty.BaseAddress, bearer);
    using var storeAndForwardLoad = new Load(pairedStoreAndForward.BaseAddress, bearer);
    foreach ((Load load, string prefix) in new[] { (baselineLoad, "/paired-baseline"), (sovereigntyLoad, "/paired-sovereignty") })
    {
        await WarmUpAsync(load, prefix, large: true);
    }

    await WarmUpAsync(storeAndForwardLoad, "/paired-store-and-forward", large: false);
    await PairedRounds.RunAsync(baselineLoad, sovereigntyLoad, storeAndForwardLoad, pairedRounds, TimeSpan.FromSeconds(seconds), fixedRate);
    Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}");
    Directory.Delete(work, recursive: true);
    return 0;
}

var results = new Dictionary<string, Dictionary<string, double>>();
foreach (bool sovereign in sovereigntyOnly ? [true] : new[] { false, true })
{
    string name = sovereign ? "sovereignty" : "baseline";
    var r = results[name] = [];
    await using GatewayProcess gateway = sovereign ? await StartSovereigntyAsync(nginx.BaseAddress, nginxFr.BaseAddress) : await StartBaselineAsync(nginx.BaseAddress);
    using var load = new Load(gateway.BaseAddress, bearer);
    string prefix = $"/bench-{name}";

    await WarmUpAsync(load, prefix, large: !smallOnly);

    foreach (string unmeasured in new[] { "put100", "get100", "put100cpu", "get100cpu", "rssget", "cgget", "oomget", "streamget", "rssput", "cgput", "oomput", "streamput" })
    {
        r[unmeasured] = double.NaN;
    }

    foreach (string label in new[] { "4k", "1m" })
    {
        foreach (string op in new[] { "put", "get" })
        {
            foreach (string figure in new[] { "rps", "p50", "p99", "cpu", "machine" })
            {
                r[$"{op}{label}c1{figure}"] = r[$"{op}{label}c8{figure}"] = r[$"{op}{label}rate{figure}"] = double.NaN;
            }
        }
    }

    if (!memoryOnly)
    {
        if (!smallOnly)
        {
            // Gateway CPU per transfer beside the rate: on a loaded machine it varies much less than wall-clock time.
            TimeSpan cpu = gateway.ProcessorTime();
            r["put100"] = await Load.ThroughputAsync(() => load.PutAsync($"{prefix}/large.bin", Large), Large, largeRuns, $"{name} 100 MiB upload");
            r["put100cpu"] = (gateway.ProcessorTime() - cpu).TotalMilliseconds / largeRuns;
            cpu = gateway.ProcessorTime();
            r["get100"] = await Load.ThroughputAsync(() => load.GetAsync($"{prefix}/large.bin"), Large, largeRuns, $"{name} 100 MiB download");
            r["get100cpu"] = (gateway.ProcessorTime() - cpu).TotalMilliseconds / largeRuns;
        }

        foreach ((string label, int size) in largeOnly ? [] : smallOnly ? new[] { ("4k", 4096) } : [("4k", 4096), ("1m", 1024 * 1024)])
        {
            await load.PutAsync($"{prefix}/small-{label}.bin", size, 3);
            foreach (int concurrency in new[] { 1, 8 })
            {
                (LatencyResult put, double putCpu, double putMachine) = await MeasuredPhaseAsync($"{name} PUT {label} c{concurrency}", gateway,
                    () => Load.LatencyAsync(i => load.PutAsync($"{prefix}/{label}/{i % 200}.bin", size, 5), concurrency, TimeSpan.FromSeconds(seconds)));
                (LatencyResult get, double getCpu, double getMachine) = await MeasuredPhaseAsync($"{name} GET {label} c{concurrency}", gateway,
                    () => Load.LatencyAsync(_ => load.GetAsync($"{prefix}/small-{label}.bin"), concurrency, TimeSpan.FromSeconds(seconds)));
                r[$"put{label}c{concurrency}cpu"] = putCpu;
                r[$"get{label}c{concurrency}cpu"] = getCpu;
                r[$"put{label}c{concurrency}machine"] = putMachine;
                r[$"get{label}c{concurrency}machine"] = getMachine;
                r[$"put{label}c{concurrency}rps"] = put.RequestsPerSecond;
                r[$"put{label}c{concurrency}p50"] = put.P50Milliseconds;
                r[$"put{label}c{concurrency}p99"] = put.P99Milliseconds;
                r[$"get{label}c{concurrency}rps"] = get.RequestsPerSecond;
                r[$"get{label}c{concurrency}p50"] = get.P50Milliseconds;
                r[$"get{label}c{concurrency}p99"] = get.P99Milliseconds;
                r["errors"] = r.GetValueOrDefault("errors") + put.Errors + get.Errors;
            }

            if (label == "4k")
            {
                (LatencyResult put, double putCpu, _) = await MeasuredPhaseAsync($"{name} PUT {label} at {fixedRate:0}/s", gateway,
                    () => Load.FixedRateAsync(i => load.PutAsync($"{prefix}/{label}/{i % 200}.bin", size, 5), 8, fixedRate, TimeSpan.FromSeconds(seconds)));
                (LatencyResult get, double getCpu, _) = await MeasuredPhaseAsync($"{name} GET {label} at {fixedRate:0}/s", gateway,
                    () => Load.FixedRateAsync(_ => load.GetAsync($"{prefix}/small-{label}.bin"), 8, fixedRate, TimeSpan.FromSeconds(seconds)));
                foreach ((string op, LatencyResult result, double cpu) in new[] { ("put", put, putCpu), ("get", get, getCpu) })
                {
                    r[$"{op}{label}ratecpu"] = cpu;
                    r[$"{op}{label}raterps"] = result.RequestsPerSecond;
                    r[$"{op}{label}ratep50"] = result.P50Milliseconds;
                    r[$"{op}{label}ratep99"] = result.P99Milliseconds;
                    r["errors"] = r.GetValueOrDefault("errors") + result.Errors;
                }
            }
        }
    }

    if (smallOnly || largeOnly)
    {
        continue;
    }

    // Memory, downloads: one stored object of the stream size, read by 8 clients at once.
    await load.PutAsync($"{prefix}/stream.bin", streamBytes, 9);
    var downloadWatch = System.Diagnostics.Stopwatch.StartNew();
    if (await MeasureMemoryAsync(gateway, r, "get", () => Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => load.GetAsync($"{prefix}/stream.bin")))))
    {
        r["streamget"] = Streams * streamBytes / downloadWatch.Elapsed.TotalSeconds / 1e6;
    }

    r["rssidle"] = gateway.ResidentBytes();
    Console.WriteLine($"{name}: done with nginx runs (RSS now {r["rssidle"] / 1048576:0} MiB)");
}

foreach (string stored in new[] { "/bench-baseline/stream.bin", "/bench-sovereignty/stream.bin" })
{
    if (File.Exists(nginx.StoredPath(stored)))
    {
        File.Delete(nginx.StoredPath(stored));
    }
}

foreach (bool sovereign in smallOnly || largeOnly ? [] : sovereigntyOnly ? [true] : new[] { false, true })
{
    string name = sovereign ? "sovereignty" : "baseline";
    await using GatewayProcess gateway = sovereign ? await StartSovereigntyAsync(sink.BaseAddress, sink.BaseAddress) : await StartBaselineAsync(sink.BaseAddress);
    using var load = new Load(gateway.BaseAddress, bearer);
    await load.PutAsync("/warm.bin", 8 * 1024 * 1024);
    var uploadWatch = System.Diagnostics.Stopwatch.StartNew();
    if (await MeasureMemoryAsync(gateway, results[name], "put", () => Task.WhenAll(Enumerable.Range(0, Streams).Select(i => load.PutAsync($"/stream-{i}.bin", streamBytes, i)))))
    {
        results[name]["streamput"] = Streams * streamBytes / uploadWatch.Elapsed.TotalSeconds / 1e6;
    }
}

var b = results.GetValueOrDefault("baseline") ?? results["sovereignty"].ToDictionary(pair => pair.Key, _ => double.NaN);
var s = results["sovereignty"];
Row("100 MiB upload", "MB/s", b["put100"], s["put100"]);
Row("100 MiB download", "MB/s", b["get100"], s["get100"]);
Row("100 MiB upload, gateway CPU per transfer", "ms", b["put100cpu"], s["put100cpu"], higherIsBetter: false);
Row("100 MiB download, gateway CPU per transfer", "ms", b["get100cpu"], s["get100cpu"], higherIsBetter: false);
foreach (string label in new[] { "4k", "1m" })
{
    string size = label == "4k" ? "4 KiB" : "1 MiB";
    foreach (int c in new[] { 1, 8 })
    {
        foreach (string op in new[] { "put", "get" })
        {
            string verb = op == "put" ? "PUT" : "GET";
            Row($"{size} {verb}, {c} client(s)", "req/s", b[$"{op}{label}c{c}rps"], s[$"{op}{label}c{c}rps"]);
            Row($"{size} {verb}, {c} client(s), p50", "ms", b[$"{op}{label}c{c}p50"], s[$"{op}{label}c{c}p50"], higherIsBetter: false);
            Row($"{size} {verb}, {c} client(s), p99", "ms", b[$"{op}{label}c{c}p99"], s[$"{op}{label}c{c}p99"], higherIsBetter: false);
            Row($"{size} {verb}, {c} client(s), gateway CPU per request", "µs", b[$"{op}{label}c{c}cpu"], s[$"{op}{label}c{c}cpu"], higherIsBetter: false);
            if (c == 8)
            {
                // Only where the cores are saturated: at partial load /proc/stat's tick-sampled
                // busy time is not reliable here (see MachineCpu).
                Row($"{size} {verb}, {c} client(s), machine CPU per request", "µs", b[$"{op}{label}c{c}machine"], s[$"{op}{label}c{c}machine"], higherIsBetter: false);
            }
        }
    }

    if (label == "4k")
    {
        foreach (string op in new[] { "put", "get" })
        {
            string verb = op == "put" ? "PUT" : "GET";
            string phase = $"{size} {verb}, 8 clients at {fixedRate:0} req/s";
            Row($"{phase}, achieved", "req/s", b[$"{op}{label}raterps"], s[$"{op}{label}raterps"]);
            Row($"{phase}, p50", "ms", b[$"{op}{label}ratep50"], s[$"{op}{label}ratep50"], higherIsBetter: false);
            Row($"{phase}, p99", "ms", b[$"{op}{label}ratep99"], s[$"{op}{label}ratep99"], higherIsBetter: false);
            Row($"{phase}, gateway CPU per request", "µs", b[$"{op}{label}ratecpu"], s[$"{op}{label}ratecpu"], higherIsBetter: false);
        }
    }
}

Row($"{Streams} × {streamGiB} GiB uploads, aggregate", "MB/s", b["streamput"], s["streamput"]);
Row($"{Streams} × {streamGiB} GiB uploads, peak RSS", "MiB", b["rssput"] / 1048576, s["rssput"] / 1048576, higherIsBetter: false);
Row($"{Streams} × {streamGiB} GiB uploads, peak RSS (the target's unit)", "MB", b["rssput"] / 1e6, s["rssput"] / 1e6, higherIsBetter: false);
Row($"{Streams} × {streamGiB} GiB downloads, aggregate", "MB/s", b["streamget"], s["streamget"]);
Row($"{Streams} × {streamGiB} GiB downloads, peak RSS", "MiB", b["rssget"] / 1048576, s["rssget"] / 1048576, higherIsBetter: false);
Row($"{Streams} × {streamGiB} GiB downloads, peak RSS (the target's unit)", "MB", b["rssget"] / 1e6, s["rssget"] / 1e6, higherIsBetter: false);
if (memoryLimitBytes is not null)
{
    foreach ((string op, string streams) in new[] { ("put", "uploads"), ("get", "downloads") })
    {
        Row($"{Streams} × {streamGiB} GiB {streams}, peak charged to the {memoryLimitMb:0} MB memory cgroup", "MB", b[$"cg{op}"] / 1e6, s[$"cg{op}"] / 1e6, higherIsBetter: false);
    }
}

Console.WriteLine();
Console.WriteLine("| measure | plain YARP | Sovereignty | Sovereignty vs YARP |");
Console.WriteLine("|---|---|---|---|");
foreach (string[] row in rows)
{
    Console.WriteLine($"| {string.Join(" | ", row)} |");
}

Console.WriteLine();
if (memoryLimitBytes is not null)
{
    string Killed(Dictionary<string, double> r) => double.IsNaN(r["oomput"]) ? "—" : $"{r["oomput"]} during uploads, {r["oomget"]} during downloads";
    Console.WriteLine($"killed by the kernel at the {memoryLimitMb:0} MB limit: plain YARP {Killed(b)}; Sovereignty {Killed(s)}");
}

Console.WriteLine($"failed requests (not timed): plain YARP {(sovereigntyOnly ? "—" : b.GetValueOrDefault("errors"))}, Sovereignty {s.GetValueOrDefault("errors")}");
Console.WriteLine($"load after: {File.ReadAllText("/proc/loadavg").Trim()}; sink discarded {sink.BytesDiscarded / 1e9:0.0} GB");
Directory.Delete(work, recursive: true);
return 0;

// Warm-up: JIT, connections, DEK cache, policy paths. Then a steady state: a gateway runs for
// days, so the timed phases should not pay for tiered JIT recompiling the hot paths (it was
// still compiling ~1,000 methods per 2 s in the first phase without this). Same for both gateways.
async Task WarmUpAsync(Load load, string prefix, bool large)
{
    for (int i = 0; i < 20; i++)
    {
        await load.PutAsync($"{prefix}/warm/{i}.bin", 64 * 1024, i);
        await load.GetAsync($"{prefix}/warm/{i}.bin");
    }

    if (!memoryOnly && warmupSeconds > 0)
    {
        await Load.LatencyAsync(i => load.PutAsync($"{prefix}/warm/small-{i % 50}.bin", 4096, 7), 8, TimeSpan.FromSeconds(warmupSeconds));
        await Load.LatencyAsync(i => load.GetAsync($"{prefix}/warm/small-{i % 50}.bin"), 8, TimeSpan.FromSeconds(warmupSeconds));
    }

    if (large)
    {
        await load.PutAsync($"{prefix}/warm/large.bin", Large);
        await load.GetAsync($"{prefix}/warm/large.bin");
    }
}

// One timed phase: its latencies, the gateway's CPU time per request (µs) and, on CLOCK_MONOTONIC
// (what Stopwatch reads on Linux and `perf record -k mono` stamps), when it ran.
static async Task<(LatencyResult Result, double CpuMicroseconds, double MachineCpuMicroseconds)> MeasuredPhaseAsync(string phase, GatewayProcess gateway, Func<Task<LatencyResult>> run)
{
    TimeSpan cpu = gateway.ProcessorTime();
    TimeSpan? machine = MachineCpu.Busy();
    double start = System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;
    Console.WriteLine($"# phase {phase} starts");
    LatencyResult result = await run();
    double end = System.Diagnostics.Stopwatch.GetTimestamp() / (double)System.Diagnostics.Stopwatch.Frequency;
    Console.WriteLine($"# phase {phase}: monotonic {start:0.000000},{end:0.000000}");
    int requests = Math.Max(1, result.Count);
    double machinePerRequest = MachineCpu.Busy() - machine is TimeSpan busy ? busy.TotalMicroseconds / requests : double.NaN;
    return (result, (gateway.ProcessorTime() - cpu).TotalMicroseconds / requests, machinePerRequest);
}

static string? ArgumentError(string[] args, string[] valuedOptions, string[] flags)
{
    for (int i = 0; i < args.Length; i++)
    {
        if (valuedOptions.Contains(args[i]))
        {
            if (i + 1 >= args.Length || !double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            {
                return $"{args[i]} needs a number";
            }

            i++;
        }
        else if (args[i] == "--env")
        {
            if (i + 1 >= args.Length || !args[i + 1].Contains('=', StringComparison.Ordinal))
            {
                return "--env needs NAME=VALUE";
            }

            i++;
        }
        else if (!flags.Contains(args[i]))
        {
            return $"Unknown argument '{args[i]}'";
        }
    }

    return null;
}

double Option(string name, double fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? double.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

// Peak RSS while the streams run; with --memory-limit-mb also the cgroup's peak charge (RSS
// plus the page cache and kernel memory charged to it) and whether the kernel killed the gateway.
// False when the kernel killed the gateway at its limit (the streams' figures are then left out).
static async Task<bool> MeasureMemoryAsync(GatewayProcess gateway, Dictionary<string, double> results, string op, Func<Task> streams)
{
    gateway.Cgroup?.ResetPeak();
    bool survived = true;
    try
    {
        results[$"rss{op}"] = await gateway.PeakResidentDuringAsync(streams);
    }
    catch (Exception e) when (e is HttpRequestException or IOException && gateway.Cgroup?.OutOfMemoryKills() > 0)
    {
        survived = false;
    }

    if (gateway.Cgroup is MemoryCgroup cgroup)
    {
        results[$"cg{op}"] = cgroup.PeakBytes();
        results[$"oom{op}"] = cgroup.OutOfMemoryKills();
    }

    return survived;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string RepositoryRoot()
{
    var directory = new DirectoryInfo(AppContext.BaseDirectory);
    while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sovereignty.sln")))
    {
        directory = directory.Parent;
    }

    return directory?.FullName ?? throw new InvalidOperationException("Sovereignty.sln not found above the benchmark binaries.");
}
