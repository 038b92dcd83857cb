using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>A message the sink accepted: envelope and the exact bytes of DATA (dot-unstuffed).</summary>
public sealed record SinkMessage(string Sender, IReadOnlyList<string> Recipients, byte[] Data)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A small real SMTP server on 127.0.0.1, port 0, standing for the upstream smart host:
/// records what it accepts and can be told to refuse recipients (4xx/5xx), stall DATA,
/// or drop every connection.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _connections;

    public SmtpSink()
    {
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<SinkMessage> Messages { get; } = new();

    /// <summary>Reply for a recipient (e.g. "450 4.2.1 busy"); null accepts.</summary>
    public Func<string, string?> RecipientReply { get; set; } = _ => null;

    /// <summary>Close every new connection at once (upstream down).</summary>
    public bool DropConnections { get; set; }

    /// <summary>Delay before answering the end of DATA (keeps a delivery in flight).</summary>
    public TimeSpan DataDelay { get; set; }

    public int Connections => Volatile.Read(ref _connections);

    public async Task<SinkMessage> WaitForMessageAsync(Func<SinkMessage, bool> match, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = Messages.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The sink received no matching message within {timeout} ({Messages.Count} received).");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            if (DropConnections)
            {
                client.Client.Close(0);
                client.Dispose();
                continue;
            }

            _ = Task.Run(() => ServeAsync(client)); // ServeAsync reads synchronously: never on the accept loop
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var network = client.GetStream();
                var stream = new BufferedStream(network); // reads only: BufferedStream cannot mix reads and writes on a socket
                await WriteAsync(network, "220 sink.test ESMTP\r\n");
                string? sender = null;
                var recipients = new List<string>();
                while (true)
                {
                    var line = ReadLine(stream);
                    if (line is null)
                    {
                        return;
                    }

                    var text = Encoding.Latin1.GetString(line).TrimEnd('\r', '\n');
                    var verb = text.Split(' ')[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                            await WriteAsync(network, "250-sink.test\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE 200000000\r\n");
                            break;
                        case "HELO":
                        case "NOOP":
                            await WriteAsync(network, "250 2.0.0 ok\r\n");
                            break;
                        case "RSET":
                            sender = null;
                            recipients.Clear();
                            await WriteAsync(network, "250 2.0.0 ok\r\n");
                            break;
                        case "MAIL":
                            sender = Path(text);
                            recipients.Clear();
                            await WriteAsync(network, "250 2.1.0 ok\r\n");
                            break;
                        case "RCPT":
                            var recipient = Path(text);
                            var reply = RecipientReply(recipient);
                            if (reply is null)
                            {
                                recipients.Add(recipient);
                                reply = "250 2.1.5 ok";
                            }

                            await WriteAsync(network, reply + "\r\n");
                            break;
                        case "DATA":
                            await WriteAsync(network, "354 go ahead\r\n");
                            var data = ReadData(stream);
                            if (data is null)
                            {
                                return;
                            }

                            if (DataDelay > TimeSpan.Zero)
                            {
                                await Task.Delay(DataDelay);
                            }

                            Messages.Enqueue(new SinkMessage(sender ?? "", recipients.ToArray(), data));
                            await WriteAsync(network, "250 2.0.0 queued in sink\r\n");
                            break;
                        case "QUIT":
                            await WriteAsync(network, "221 2.0.0 bye\r\n");
                            return;
                        default:
                            await WriteAsync(network, "502 5.5.1 not implemented\r\n");
                            break;
                    }
                }
            }
            catch (IOException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static string Path(string command)
    {
        var start = command.IndexOf('<', StringComparison.Ordinal);
        var end = command.IndexOf('>', StringComparison.Ordinal);
        return start < 0 || end < start ? "" : command[(start + 1)..end];
    }

    private static byte[]? ReadData(Stream stream)
    {
        var data = new MemoryStream();
        while (true)
        {
            var line = ReadLine(stream);
            if (line is null)
            {
                return null;
            }

            if (line.Length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n')
            {
                return data.ToArray();
            }

            var offset = line.Length > 0 && line[0] == '.' ? 1 : 0;
            data.Write(line, offset, line.Length - offset);
        }
    }

    private static byte[]? ReadLine(Stream stream)
    {
        var line = new MemoryStream();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                return null;
            }

            line.WriteByte((byte)b);
            if (b == '\n')
            {
                return line.ToArray();
            }
        }
    }

    private static async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();
    }
}
