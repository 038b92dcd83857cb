using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>
/// A byte-level SMTP client for what MailKit will not send: bare CR/LF, smuggling endings,
/// commands pipelined behind STARTTLS, overlong lines.
/// </summary>
public sealed class RawSmtpConnection : IAsyncDisposable
{
    private readonly TcpClient _client;
    private Stream _stream;

    private RawSmtpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawSmtpConnection> ConnectAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        var connection = new RawSmtpConnection(client);
        var greeting = await connection.ReadReplyAsync();
        Assert.StartsWith("220 ", greeting);
        return connection;
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Sends a command and returns its (possibly multi-line) reply.</summary>
    public async Task<string> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads one reply; multi-line replies are joined with \n. Null when the server closed.</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token);
            if (line is null)
            {
                return lines.Count == 0 ? "<closed>" : string.Join("\n", lines) + "\n<closed>";
            }

            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    public async Task StartTlsHandshakeAsync(TestCertificate certificate)
    {
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false, (_, presented, _, _) => certificate.Matches(presented));
        await tls.AuthenticateAsClientAsync("localhost");
        _stream = tls;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(one, cancellationToken);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return bytes.Count == 0 ? null : Encoding.Latin1.GetString(bytes.ToArray());
            }

            if (one[0] == '\n')
            {
                return Encoding.Latin1.GetString(bytes.ToArray()).TrimEnd('\r');
            }

            bytes.Add(one[0]);
        }
    }
}
