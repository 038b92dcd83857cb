using System.Diagnostics;
using System.Globalization;
using Sovereignty.Bench.Smtp;

// SMTP load generator:
//   Sovereignty.Bench.Smtp HOST:PORT KIND MESSAGES SESSIONS [LABEL] [--from A] [--to A]
// KIND is 20k (text mail) or 1m (text + CSV attachment, ~1 MB). Prints one line:
// label, size, sessions, accepted msg/s (wall clock), end-of-DATA p50/p99 in ms, refused.
if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Sovereignty.Bench.Smtp HOST:PORT 20k|1m MESSAGES SESSIONS [LABEL] [--from ADDR] [--to ADDR]");
    return 2;
}

var endpoint = args[0].Split(':');
var kind = args[1];
var total = int.Parse(args[2], CultureInfo.InvariantCulture);
var sessions = int.Parse(args[3], CultureInfo.InvariantCulture);
var label = args.Length > 4 && !args[4].StartsWith("--", StringComparison.Ordinal) ? args[4] : endpoint[1];
var from = Option("--from") ?? "sender@laposte.fr";
var to = Option("--to") ?? "rcpt@partner.example";

var template = BenchMessages.Build(kind, from, to, seed: 7);
var latencies = new double[total];
var refused = 0;
var next = -1;

// Connect every session first so that connection set-up is not in the measured time.
var clients = new LoadSession[sessions];
for (var i = 0; i < sessions; i++)
{
    clients[i] = new LoadSession();
    await clients[i].ConnectAsync(endpoint[0], int.Parse(endpoint[1], CultureInfo.InvariantCulture), default);
}

var clock = Stopwatch.StartNew();
await Task.WhenAll(clients.Select(async client =>
{
    int index;
    while ((index = Interlocked.Increment(ref next)) < total)
    {
        var message = WithMessageId(template, index);
        var latency = await client.SendAsync(from, to, message, default);
        if (latency is null)
        {
            Interlocked.Increment(ref refused);
            latencies[index] = double.NaN;
        }
        else
        {
            latencies[index] = latency.Value;
        }
    }
}));
var elapsed = clock.Elapsed.TotalSeconds;

foreach (var client in clients)
{
    await client.QuitAsync(default);
    await client.DisposeAsync();
}

var accepted = latencies.Where(l => !double.IsNaN(l)).Order().ToArray();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{label,-14} {kind,4} {sessions,3} sessions {accepted.Length / elapsed,9:0.0} msg/s  p50 {Percentile(accepted, 0.50) * 1000,7:0.0} ms  p99 {Percentile(accepted, 0.99) * 1000,7:0.0} ms  refused {refused}"));
return refused == 0 ? 0 : 1;

string? Option(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static double Percentile(double[] sorted, double p) =>
    sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

// Each message gets its own Message-ID (relays and sinks may de-duplicate on it).
static byte[] WithMessageId(byte[] template, int index)
{
    var marker = "@@MESSAGE-ID@@"u8;
    var at = template.AsSpan().IndexOf(marker);
    var id = System.Text.Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"bench.{index}.{Environment.ProcessId}@load.bench"));
    var message = new byte[template.Length - marker.Length + id.Length];
    template.AsSpan(0, at).CopyTo(message);
    id.CopyTo(message.AsSpan(at));
    template.AsSpan(at + marker.Length).CopyTo(message.AsSpan(at + id.Length));
    return message;
}
