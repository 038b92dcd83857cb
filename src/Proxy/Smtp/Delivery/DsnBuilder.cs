using System.Globalization;
using System.Text;
using MimeKit;
using MimeKit.Utils;
using Sovereignty.Proxy.Smtp.Spool;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>
/// Builds a delivery status notification (RFC 3464): <c>multipart/report;
/// report-type=delivery-status</c> with a human-readable part, the machine-readable
/// <c>message/delivery-status</c>, and the original message's <em>headers only</em>
/// (<c>text/rfc822-headers</c>) — the body, possibly protected content, is never echoed.
/// </summary>
internal static class DsnBuilder
{
    public static byte[] Build(
        string reportingMta,
        SpoolEnvelope original,
        IReadOnlyList<RecipientState> failed,
        HeaderList? originalHeaders,
        bool expired,
        DateTimeOffset now)
    {
        var dsn = new MimeMessage();
        dsn.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        dsn.To.Add(new MailboxAddress("", original.Sender));
        dsn.Subject = "Undelivered Mail Returned to Sender";
        dsn.Date = now;
        dsn.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        dsn.Headers.Add("Auto-Submitted", "auto-replied"); // RFC 3834: no auto-replies to this

        var human = new StringBuilder();
        human.Append(CultureInfo.InvariantCulture, $"This is the mail system at {reportingMta}.\r\n\r\n");
        human.Append(expired
            ? "Your message could not be delivered before its queue lifetime ran out.\r\n"
            : "Your message could not be delivered to one or more recipients.\r\n");
        human.Append(CultureInfo.InvariantCulture, $"Queue id: {original.Id}\r\n");
        if (original.MessageId is not null)
        {
            human.Append(CultureInfo.InvariantCulture, $"Message-ID: {original.MessageId}\r\n");
        }

        human.Append("\r\n");
        foreach (var recipient in failed)
        {
            human.Append(CultureInfo.InvariantCulture, $"<{recipient.Address}>: {recipient.LastReply ?? "undeliverable"}\r\n");
        }

        var report = new MultipartReport("delivery-status")
        {
            new TextPart("plain") { Text = human.ToString() },
        };

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
            { "X-Sovereignty-Queue-ID", original.Id },
            { "Arrival-Date", DateUtils.FormatDate(original.CreatedAt) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var recipient in failed)
        {
            var reply = recipient.LastReply ?? "";
            var group = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + recipient.Address },
                { "Action", "failed" },
                { "Status", expired ? "4.4.7" : StatusOf(reply) },
            };
            if (reply.Length > 0)
            {
                group.Add("Diagnostic-Code", "smtp; " + Sanitize(reply));
            }

            group.Add("Last-Attempt-Date", DateUtils.FormatDate(now));
            status.StatusGroups.Add(group);
        }

        report.Add(status);

        if (originalHeaders is not null)
        {
            var headers = new MemoryStream();
            originalHeaders.WriteTo(FormatOptions.Default, headers);
            headers.Position = 0;
            report.Add(new MimePart("text", "rfc822-headers") { Content = new MimeContent(headers) });
        }

        dsn.Body = report;
        using var output = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        dsn.WriteTo(format, output);
        return output.ToArray();
    }

    private static string StatusOf(string reply)
    {
        // "550 5.1.1 text" → "5.1.1"; a bare code → class.0.0.
        var parts = reply.Split(' ', 3);
        if (parts.Length > 1 && parts[1].Length >= 5 && parts[1][1] == '.' && parts[1][0] is '4' or '5')
        {
            return parts[1];
        }

        return reply.StartsWith('5') ? "5.0.0" : "4.0.0";
    }

    private static string Sanitize(string text) =>
        new(text.Select(c => c is < ' ' or > '~' ? ' ' : c).ToArray());
}
