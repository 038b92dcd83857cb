using System.Text;
using MimeKit;

namespace Sovereignty.Proxy.Tests.Smtp.Testing;

/// <summary>Messages for the relay tests, built at test time.</summary>
public static class TestMessages
{
    public static MimeMessage Simple(string subject = "hello", string body = "Hello from the test.\r\nSecond line.\r\n", string to = "rcpt@example.net")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@example.org"));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId("client.test");
        message.Date = DateTimeOffset.UtcNow;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    /// <summary>Raw RFC 5322 bytes with CRLF line endings.</summary>
    public static string Raw(string subject, string body) =>
        $"From: <sender@example.org>\r\nTo: <rcpt@example.net>\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@client.test>\r\n\r\n{body}";

    public static byte[] Bytes(MimeMessage message)
    {
        using var stream = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        message.WriteTo(format, stream);
        return stream.ToArray();
    }

    public static string Text(MimeMessage message) => Encoding.UTF8.GetString(Bytes(message));
}
