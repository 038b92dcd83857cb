using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sovereignty.Proxy.Smtp.LocalMailbox;

/// <summary>
/// A stand-in for the cloud provider's mailboxes on a development machine: accepts any mail
/// over SMTP on loopback and writes each message exactly as received (after dot-unstuffing)
/// to a directory, one <c>.eml</c> file per message, so a user can see what the provider
/// would store. Not a mail server: no relaying, no authentication, no limits beyond size.
/// </summary>
internal static class LocalMailbox
{
    private const int MaxMessageBytes = 100 * 1024 * 1024;

    public static async Task RunAsync(IPEndPoint endpoint, string directory, TextWriter log, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        using var listener = new TcpListener(endpoint);
        listener.Start();
        await log.WriteLineAsync($"mailbox: listening on {listener.LocalEndpoint}, one file per message in {Path.GetFullPath(directory)}").ConfigureAwait(false);
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                _ = ServeAsync(client, directory, log, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop accepting.
        }
    }

    private static async Task ServeAsync(TcpClient client, string directory, TextWriter log, CancellationToken cancellationToken)
    {
        using var connection = client;
        try
        {
            var stream = connection.GetStream();
            // Latin-1 maps every byte to one char and back: the message's bytes are kept as they are.
            using var reader = new StreamReader(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            using var writer = new StreamWriter(stream, Encoding.ASCII, leaveOpen: true) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 mailbox.local ESMTP Sovereignty development mailbox").ConfigureAwait(false);
            string? from = null;
            var recipients = new List<string>();
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                var verb = line.Length >= 4 ? line[..4].ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        await writer.WriteLineAsync("250-mailbox.local").ConfigureAwait(false);
                        await writer.WriteLineAsync("250-8BITMIME").ConfigureAwait(false);
                        await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"250 SIZE {MaxMessageBytes}")).ConfigureAwait(false);
                        break;
                    case "HELO":
                    case "NOOP":
                        await writer.WriteLineAsync("250 OK").ConfigureAwait(false);
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        await writer.WriteLineAsync("250 OK").ConfigureAwait(false);
                        break;
                    case "MAIL":
                        from = PathOf(line);
                        recipients.Clear();
                        await writer.WriteLineAsync("250 2.1.0 OK").ConfigureAwait(false);
                        break;
                    case "RCPT":
                        recipients.Add(PathOf(line));
                        await writer.WriteLineAsync("250 2.1.5 OK").ConfigureAwait(false);
                        break;
                    case "DATA" when from is not null && recipients.Count > 0:
                        await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>").ConfigureAwait(false);
                        var file = await ReceiveAsync(reader, directory, cancellationToken).ConfigureAwait(false);
                        await writer.WriteLineAsync($"250 2.0.0 stored as {Path.GetFileName(file)}").ConfigureAwait(false);
                        await log.WriteLineAsync($"mailbox: {from} -> {string.Join(", ", recipients)}: {file}").ConfigureAwait(false);
                        from = null;
                        recipients.Clear();
                        break;
                    case "DATA":
                        await writer.WriteLineAsync("503 5.5.1 MAIL and RCPT first").ConfigureAwait(false);
                        break;
                    case "QUIT":
                        await writer.WriteLineAsync("221 2.0.0 Bye").ConfigureAwait(false);
                        return;
                    default:
                        await writer.WriteLineAsync("502 5.5.2 Not implemented").ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or InvalidDataException)
        {
            // The client went away, or the message was too large: nothing was stored for it.
        }
    }

    /// <summary>Reads DATA up to the lone dot and writes the message to a new file; returns its path.</summary>
    private static async Task<string> ReceiveAsync(StreamReader reader, string directory, CancellationToken cancellationToken)
    {
        var message = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line && line != ".")
        {
            message.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
            if (message.Length > MaxMessageBytes)
            {
                throw new InvalidDataException("Message larger than the development mailbox accepts.");
            }
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..8]}.eml");
        var path = Path.Combine(directory, name);
        await File.WriteAllTextAsync(path, message.ToString(), Encoding.Latin1, cancellationToken).ConfigureAwait(false);
        return path;
    }

    private static string PathOf(string command)
    {
        var start = command.IndexOf('<', StringComparison.Ordinal);
        var end = command.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? command[(start + 1)..end] : command[(command.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
