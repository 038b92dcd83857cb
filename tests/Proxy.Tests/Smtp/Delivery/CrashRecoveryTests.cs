using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Delivery;

/// <summary>
/// The relay as a child process (<c>sovereignty queue relay</c>), killed with SIGKILL while
/// deliveries are in flight, then restarted over the same spool: every message that got a
/// 250 reaches the upstream (duplicates allowed, losses not).
/// </summary>
public sealed partial class CrashRecoveryTests
{
    private const int MessageCount = 20;

    [Fact]
    public async Task Relay_KilledDuringDelivery_RestartDeliversEveryAcceptedMessage()
    {
        using var temp = new TempDirectory();
        await using var sink = new SmtpSink { DataDelay = TimeSpan.FromMilliseconds(400) };
        var config = temp.Combine("relay.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Logging = new { LogLevel = new { Default = "Debug" } },
            Sovereignty = new
            {
                Smtp = new
                {
                    ServerName = "relay.test",
                    ListenAddress = "127.0.0.1",
                    Port = 0,
                    SpoolDirectory = temp.Combine("spool"),
                    AllowedClientNetworks = new[] { "127.0.0.0/8" },
                    Upstream = new { Host = "127.0.0.1", Port = sink.Port, Security = "None" },
                    Delivery = new { Workers = 2, InitialRetryDelay = "00:00:01", MaxRetryDelay = "00:00:02", ScanInterval = "00:00:01" },
                },
            },
        }));

        var accepted = new List<string>();
        using (var first = await RelayProcess.StartAsync(config))
        {
            using var client = new SmtpClient();
            await client.ConnectAsync("127.0.0.1", first.Port, MailKit.Security.SecureSocketOptions.None);
            for (var i = 0; i < MessageCount; i++)
            {
                var message = TestMessages.Simple(subject: $"crash test {i}");
                await client.SendAsync(message);
                accepted.Add(message.MessageId!);
            }

            // Deliveries are in flight (the sink holds each DATA for 400 ms): kill -9 now.
            await sink.WaitForMessageAsync(_ => true, TimeSpan.FromSeconds(15));
            first.Kill();
        }

        var leftInSpool = Directory.GetFiles(Path.Combine(temp.Combine("spool"), "queue"), "*.msg").Length;
        Assert.True(leftInSpool > 0, "the kill came too late to test anything: everything was delivered");
        Assert.True(sink.Messages.Count < MessageCount);

        sink.DataDelay = TimeSpan.Zero;
        using (var second = await RelayProcess.StartAsync(config))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (accepted.Any(id => !sink.Messages.Any(m => m.Text.Contains(id, StringComparison.Ordinal))) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var missing = accepted.Where(id => !sink.Messages.Any(m => m.Text.Contains(id, StringComparison.Ordinal))).ToList();
            Assert.Empty(missing);
            while (Directory.GetFiles(Path.Combine(temp.Combine("spool"), "queue"), "*.msg").Length > 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            var left = Directory.GetFiles(Path.Combine(temp.Combine("spool"), "queue"));
            Assert.True(left.Length == 0, string.Join("\n", left) + "\n" + second.Output);
            second.Kill();
        }
    }

    [GeneratedRegex(@"listening on [^:]+:(\d+)")]
    private static partial Regex ListeningLine();

    private sealed class RelayProcess : IDisposable
    {
        private readonly Process _process;
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

        private RelayProcess(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; private set; }

        public string Output => string.Join("\n", _output);

        public static async Task<RelayProcess> StartAsync(string config)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                ArgumentList = { Path.Combine(AppContext.BaseDirectory, "sovereignty.dll"), "queue", "relay", "--config", config },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            var process = Process.Start(start)!;
            var relay = new RelayProcess(process, 0);
            process.ErrorDataReceived += (_, e) => relay._output.Enqueue(e.Data ?? "");
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException("the relay process exited before listening");
                var match = ListeningLine().Match(line);
                if (match.Success)
                {
                    relay.Port = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                    _ = Task.Run(async () =>
                    {
                        while (await process.StandardOutput.ReadLineAsync() is { } more)
                        {
                            relay._output.Enqueue(more);
                        }
                    });
                    return relay;
                }
            }
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }

        public void Dispose()
        {
            Kill();
            _process.Dispose();
        }
    }
}
