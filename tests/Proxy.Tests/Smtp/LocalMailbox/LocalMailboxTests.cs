using System.Net;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MimeKit;

namespace Sovereignty.Proxy.Tests.Smtp.LocalMailbox;

/// <summary>The development stand-in for the cloud mailboxes: what it receives is what it stores.</summary>
public sealed partial class LocalMailboxTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sov-mailbox-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Deliver_MessageWithDotLine_StoredAsOneFileWithTheSameText()
    {
        using var stop = new CancellationTokenSource();
        var log = new StringWriter();
        var running = Proxy.Smtp.LocalMailbox.LocalMailbox.RunAsync(new IPEndPoint(IPAddress.Loopback, 0), _directory, TextWriter.Synchronized(log), stop.Token);
        var port = await ListeningPortAsync(log);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("agent@laposte.example"));
        message.To.Add(MailboxAddress.Parse("partenaire@partenaire.example"));
        message.Subject = "Relevé";
        message.Body = new TextPart("plain") { Text = "première ligne\n.ligne qui commence par un point\n" };

        using (var client = new SmtpClient())
        {
            await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
            await client.SendAsync(message);
            await client.DisconnectAsync(quit: true);
        }

        await stop.CancelAsync();
        await running;
        var stored = MimeMessage.Load(Assert.Single(Directory.GetFiles(_directory, "*.eml")));
        Assert.Equal("Relevé", stored.Subject);
        Assert.Equal("première ligne\n.ligne qui commence par un point\n", stored.TextBody!.ReplaceLineEndings("\n"));
        Assert.Contains("agent@laposte.example -> partenaire@partenaire.example", log.ToString(), StringComparison.Ordinal);
    }

    private static async Task<int> ListeningPortAsync(StringWriter log)
    {
        for (var i = 0; i < 100; i++)
        {
            if (ListeningOn().Match(log.ToString()) is { Success: true } match)
            {
                return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The mailbox did not start: " + log);
    }

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningOn();
}
