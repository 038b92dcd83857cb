using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Sovereignty.Bench.Smtp;

/// <summary>
/// One SMTP session of the load: connects, says EHLO, then sends its messages one after
/// another on the same connection (MAIL, RCPT, DATA, body, "."), timing each end of DATA
/// from the moment the final "." is written to the moment the reply arrives.
/// </summary>
internal sealed class LoadSession : IAsyncDisposable
{
    private static readonly byte[] s_endOfData = ".\r\n"u8.ToArray();
    private readonly TcpClient _client = new() { NoDelay = true };
    private NetworkStream? _stream;
    private StreamReader? _reader;

    public async Task ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        await _client.ConnectAsync(host, port, cancellationToken);
        _stream = _client.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
        await ExpectAsync("220", cancellationToken);
        await CommandAsync("EHLO load.bench", "250", cancellationToken);
    }

    /// <summary>Sends one message; returns the end-of-DATA latency in seconds, or null when the relay refused it.</summary>
    public async Task<double?> SendAsync(string from, string to, byte[] message, CancellationToken cancellationToken)
    {
        await CommandAsync($"MAIL FROM:<{from}>", "250", cancellationToken);
        await CommandAsync($"RCPT TO:<{to}>", "250", cancellationToken);
        await CommandAsync("DATA", "354", cancellationToken);
        await _stream!.WriteAsync(message, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        await _stream.WriteAsync(s_endOfData, cancellationToken);
        var reply = await ReadReplyAsync(cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return reply.StartsWith("250", StringComparison.Ordinal) ? seconds : null;
    }

    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        await CommandAsync("QUIT", "221", cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _reader?.Dispose();
        if (_stream is not null)
        {
            await _stream.DisposeAsync();
        }

        _client.Dispose();
    }

    private async Task CommandAsync(string command, string expected, CancellationToken cancellationToken)
    {
        await _stream!.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"), cancellationToken);
        await ExpectAsync(expected, cancellationToken);
    }

    private async Task ExpectAsync(string expected, CancellationToken cancellationToken)
    {
        var reply = await ReadReplyAsync(cancellationToken);
        if (!reply.StartsWith(expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Expected {expected}, the relay answered: {reply}");
        }
    }

    /// <summary>Reads a possibly multi-line reply and returns its last line.</summary>
    private async Task<string> ReadReplyAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await _reader!.ReadLineAsync(cancellationToken)
                ?? throw new IOException("The relay closed the connection.");
            if (line.Length < 4 || line[3] != '-')
            {
                return line;
            }
        }
    }
}
