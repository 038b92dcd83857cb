using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Sovereignty.Policies.Extraction;
using static Sovereignty.Policies.Tests.Extraction.TestFiles;

namespace Sovereignty.Policies.Tests.Extraction;

public sealed class MessageExtractionTests
{
    private static readonly ContentExtractor Extractor = new();

    private static MimeMessage Message(string subject, MimeEntity body)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("agent@laposte.fr"));
        message.To.Add(MailboxAddress.Parse("client@example.com"));
        message.Subject = subject;
        message.Body = body;
        return message;
    }

    [Fact]
    public void ExtractMessage_TextHtmlAndAttachments_EveryPartLocated()
    {
        var builder = new BodyBuilder
        {
            TextBody = "Bonjour, voici le relevé.",
            HtmlBody = "<p>Bonjour, <b>voici</b> le relevé.</p><script>x()</script>",
        };
        builder.Attachments.Add("rib.docx", Docx("IBAN FR1420041010050500013M02606"));
        builder.Attachments.Add("releve.pdf", Pdf("Releve"), new ContentType("application", "pdf"));
        builder.Attachments.Add("pieces.zip", Zip(("a.txt", Utf8("pièce"))));
        using var message = Message("Relevé", builder.ToMessageBody());

        var content = Extractor.ExtractMessage(message);

        Assert.Equal(
            ["attachment:pieces.zip/a.txt", "attachment:releve.pdf", "attachment:rib.docx/word/document.xml", "body", "body#2", "subject"],
            content.Parts.Select(p => p.Location).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("x()", content.Parts.Single(p => p.Location == "body#2").Text, StringComparison.Ordinal);
        Assert.Equal(["attachment:pieces.zip", "attachment:pieces.zip/a.txt", "attachment:releve.pdf", "attachment:rib.docx"], content.Attachments.Select(a => a.Location).Order(StringComparer.Ordinal));
        Assert.Equal("application/pdf", content.Attachments.Single(a => a.FileName == "releve.pdf").ContentType);
        Assert.Empty(content.Unscannable);
    }

    [Fact]
    public void ExtractMessage_NestedRfc822_WalkedWithPrefix()
    {
        using var inner = Message("[CONFIDENTIEL] Dossier", new TextPart("plain") { Text = "NIR 1 85 05 78 006 084 36" });
        var outer = new Multipart("mixed")
        {
            new TextPart("plain") { Text = "Je transfère." },
            new MessagePart { Message = inner, ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) { FileName = "fwd.eml" } },
        };
        using var message = Message("TR: Dossier", outer);

        var content = Extractor.ExtractMessage(message);

        Assert.Contains(content.Parts, p => p.Location == "attachment:fwd.eml/subject");
        Assert.Contains(content.Parts, p => p.Location == "attachment:fwd.eml/body" && p.Text.Contains("006 084", StringComparison.Ordinal));
        Assert.Contains(content.UserLabels, l => l == new UserLabel("subject-tag", "CONFIDENTIEL", "attachment:fwd.eml/subject"));
    }

    [Fact]
    public void ExtractMessage_FromStream_SameAsParsed()
    {
        using var message = Message("Objet", new TextPart("plain") { Text = "Très Secret" });
        using var stream = new MemoryStream();
        message.WriteTo(stream);
        stream.Position = 0;

        var content = Extractor.ExtractMessage(stream);

        Assert.Contains(content.Parts, p => p.Location == "body" && p.Text.StartsWith("Très Secret", StringComparison.Ordinal));
        Assert.Contains(content.UserLabels, l => l is { Source: "marking", Value: "Très Secret", Location: "body" });
    }

    [Fact]
    public async Task ExtractMessageAsync_Latin1Charset_DecodedByCharset()
    {
        const string raw = "From: a@b.fr\r\nTo: c@d.fr\r\nSubject: test\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\nsécurité sociale\r\n";
        var content = await Extractor.ExtractMessageAsync(new MemoryStream(Encoding.Latin1.GetBytes(raw)));
        Assert.StartsWith("sécurité sociale", content.Parts.Single(p => p.Location == "body").Text, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtractMessage_EmptyStream_Corrupt()
    {
        var content = Extractor.ExtractMessage(new MemoryStream());
        Assert.Equal(UnscannableReason.Corrupt, Assert.Single(content.Unscannable).Reason);
    }

    [Fact]
    public void ExtractMessage_SmimeEnveloped_Encrypted()
    {
        var encrypted = new ApplicationPkcs7Mime(SecureMimeType.EnvelopedData, new MemoryStream(new byte[64]));
        using var message = Message("chiffré", encrypted);
        var content = Extractor.ExtractMessage(message);
        Assert.Equal(UnscannableReason.Encrypted, Assert.Single(content.Unscannable).Reason);
    }

    [Fact]
    public void ExtractMessage_PgpMime_Encrypted()
    {
        var encrypted = new MultipartEncrypted
        {
            new MimePart("application", "pgp-encrypted") { Content = new MimeContent(new MemoryStream("Version: 1"u8.ToArray())) },
            new MimePart("application", "octet-stream") { Content = new MimeContent(new MemoryStream("-----BEGIN PGP MESSAGE-----\n...\n-----END PGP MESSAGE-----"u8.ToArray())) },
        };
        using var message = Message("pgp", encrypted);
        var content = Extractor.ExtractMessage(message);
        Assert.Equal(UnscannableReason.Encrypted, Assert.Single(content.Unscannable).Reason);
    }

    [Fact]
    public void ExtractMessage_InlinePgp_BodyScannedAndEncryptedReported()
    {
        using var message = Message("pgp", new TextPart("plain") { Text = "Voir ci-dessous\n-----BEGIN PGP MESSAGE-----\nhQEMA\n-----END PGP MESSAGE-----" });
        var content = Extractor.ExtractMessage(message);
        Assert.Contains(content.Parts, p => p.Location == "body");
        Assert.Equal(("body", UnscannableReason.Encrypted), content.Unscannable.Select(u => (u.Location, u.Reason)).Single());
    }

    [Fact]
    public void ExtractMessage_EncryptedZipAttachment_EncryptedAtMember()
    {
        var builder = new BodyBuilder { TextBody = "ci-joint" };
        builder.Attachments.Add("protege.zip", EncryptedZip(("paie.xlsx", Xlsx("salaire", "1"))));
        using var message = Message("paie", builder.ToMessageBody());
        var content = Extractor.ExtractMessage(message);
        Assert.Equal(("attachment:protege.zip/paie.xlsx", UnscannableReason.Encrypted), content.Unscannable.Select(u => (u.Location, u.Reason)).Single());
    }
}
