using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Sovereignty.Proxy.Tests.Smtp.Testing;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

/// <summary>Messages with canaries, and a byte-level submission that returns the relay's reply to the end of DATA.</summary>
internal static class MailSubmission
{
    /// <summary>
    /// A message whose subject, text body and attachment each carry a canary, all three in
    /// 7-bit/quoted-printable so that a copy relayed in clear would show every canary verbatim.
    /// </summary>
    public static MimeMessage CanaryMessage(string canary, string subjectPrefix, params string[] to)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(MailGatewayFixture.Sender));
        foreach (var address in to)
        {
            message.To.Add(MailboxAddress.Parse(address));
        }

        message.Subject = $"{subjectPrefix}Contrat {canary}-SUBJECT";
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test");
        message.Date = DateTimeOffset.UtcNow;
        var attachment = new MimePart("text", "plain")
        {
            Content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes($"Annexe {canary}-ATTACHMENT\r\n"))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = "annexe.txt" },
            ContentTransferEncoding = ContentEncoding.SevenBit,
        };
        message.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = $"Bonjour,\r\nle texte {canary}-BODY.\r\n" },
            attachment,
        };
        return message;
    }

    public static string[] Canaries(string canary) => [$"{canary}-SUBJECT", $"{canary}-BODY", $"{canary}-ATTACHMENT"];

    public static string NewCanary() => "CANARY" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8));

    /// <summary>Submits <paramref name="message"/> and returns the reply to the end of DATA (e.g. <c>250 2.0.0 Ok…</c>).</summary>
    public static async Task<string> SubmitAsync(int port, MimeMessage message, string sender, params string[] recipients) =>
        await SubmitAsync(port, TestMessages.Bytes(message), sender, recipients);

    public static async Task<string> SubmitAsync(int port, byte[] data, string sender, params string[] recipients)
    {
        await using var connection = await RawSmtpConnection.ConnectAsync(port);
        Assert.StartsWith("250", await connection.CommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await connection.CommandAsync($"MAIL FROM:<{sender}>"));
        foreach (var recipient in recipients)
        {
            Assert.StartsWith("250", await connection.CommandAsync($"RCPT TO:<{recipient}>"));
        }

        Assert.StartsWith("354", await connection.CommandAsync("DATA"));
        var text = Encoding.Latin1.GetString(data).Replace("\r\n.", "\r\n..", StringComparison.Ordinal);
        await connection.SendAsync(text + (text.EndsWith("\r\n", StringComparison.Ordinal) ? "" : "\r\n") + ".\r\n");
        var reply = await connection.ReadReplyAsync(TimeSpan.FromSeconds(60));
        await connection.CommandAsync("QUIT");
        return reply;
    }
}
