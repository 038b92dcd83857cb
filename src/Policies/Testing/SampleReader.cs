using MimeKit;
using Sovereignty.Policies.Evaluation;
using Sovereignty.Policies.Extraction;
using Sovereignty.Policies.Model;

namespace Sovereignty.Policies.Testing;

/// <summary>
/// Turns a sample file into a <see cref="ClassificationRequest"/> the way the gateway would
/// see it: <c>.eml</c> files are mail (sender, recipients and subject from the headers),
/// anything else is a document uploaded to <c>/&lt;file name&gt;</c> unless a path is given.
/// </summary>
public sealed class SampleReader
{
    private readonly ContentExtractor _extractor;

    public SampleReader(ContentExtractor extractor)
    {
        _extractor = extractor;
    }

    public ClassificationRequest Read(string file, SampleOverrides? overrides = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        overrides ??= new SampleOverrides();
        var isMail = overrides.Channel is { } channel
            ? channel == Channel.Mail
            : file.EndsWith(".eml", StringComparison.OrdinalIgnoreCase);
        using var stream = File.OpenRead(file);
        ClassificationRequest request;
        if (isMail)
        {
            using var message = MimeMessage.Load(stream, cancellationToken);
            request = new ClassificationRequest(Channel.Mail, _extractor.ExtractMessage(message, cancellationToken))
            {
                Sender = (message.Sender ?? message.From.Mailboxes.FirstOrDefault())?.Address,
                Recipients = [.. message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes).Select(m => m.Address)],
                Subject = message.Subject,
                ContentType = message.Body?.ContentType.MimeType,
            };
        }
        else
        {
            var name = Path.GetFileName(file);
            var contentType = MimeTypes.GetMimeType(name);
            request = new ClassificationRequest(Channel.Document, _extractor.ExtractDocument(stream, name, contentType, cancellationToken))
            {
                DocumentPath = "/" + name,
                FileName = name,
                ContentType = contentType,
            };
        }

        return request with
        {
            DocumentPath = overrides.DocumentPath ?? request.DocumentPath,
            Sender = overrides.Sender ?? request.Sender,
            Recipients = overrides.Recipients ?? request.Recipients,
        };
    }
}

/// <summary>What a test case may set on top of what the sample file says.</summary>
public sealed record SampleOverrides(Channel? Channel = null, string? DocumentPath = null, string? Sender = null, IReadOnlyList<string>? Recipients = null);
