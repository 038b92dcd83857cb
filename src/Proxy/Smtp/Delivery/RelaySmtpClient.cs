using MailKit.Net.Smtp;
using MimeKit;

namespace Sovereignty.Proxy.Smtp.Delivery;

/// <summary>
/// MailKit's client, told to record each recipient's reply instead of throwing at the
/// first refused one, so one bad address does not hold back the others.
/// </summary>
internal sealed class RelaySmtpClient : SmtpClient
{
    public Dictionary<string, UpstreamReply> RecipientReplies { get; } = new(StringComparer.OrdinalIgnoreCase);

    protected override void OnRecipientAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = new UpstreamReply((int)response.StatusCode, response.Response);

    protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
        RecipientReplies[mailbox.Address] = new UpstreamReply((int)response.StatusCode, response.Response);

    // With OnRecipientNotAccepted not throwing, MailKit would go on to DATA with no recipient.
    protected override void OnNoRecipientsAccepted(MimeMessage message) =>
        throw new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "No recipient was accepted.");
}
