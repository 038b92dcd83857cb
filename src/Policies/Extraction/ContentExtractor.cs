using System.Runtime.InteropServices;
using MimeKit;
using Sovereignty.Policies.Extraction.Documents;

namespace Sovereignty.Policies.Extraction;

/// <summary>
/// Turns a mail or a document into what the classifier scans: the text of every part, the
/// attachments met, the labels users set, and what could not be scanned and why. Walks MIME
/// parts (nested messages too), HTML, Office Open XML, PDF and zip archives recursively,
/// within <see cref="ExtractionLimits"/>. Thread-safe: one instance serves every request.
/// </summary>
/// <remarks>
/// Does no I/O beyond reading the content it is handed. The caller owns the message or
/// stream it passes; memory used beyond it is bounded by the limits.
/// </remarks>
public sealed class ContentExtractor
{
    private readonly TimeProvider _time;

    // Mail still arrives in windows-1252, ISO-8859-15, IBM code pages…: .NET only knows them
    // once the code-pages provider is registered (process-wide, idempotent).
    static ContentExtractor() => System.Text.Encoding.RegisterProvider(System.Text.CodePagesEncodingProvider.Instance);

    /// <summary>Creates an extractor with <paramref name="limits"/> (default: <see cref="ExtractionLimits.Default"/>).</summary>
    /// <exception cref="ArgumentException">The limits are invalid.</exception>
    public ContentExtractor(ExtractionLimits? limits = null, TimeProvider? timeProvider = null)
    {
        Limits = limits ?? ExtractionLimits.Default;
        var errors = Limits.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid extraction limits: " + string.Join("; ", errors), nameof(limits));
        }

        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The limits every extraction runs within.</summary>
    public ExtractionLimits Limits { get; }

    /// <summary>Extracts a parsed message.</summary>
    public ExtractedContent ExtractMessage(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var session = new ExtractionSession(Limits, _time, cancellationToken);
        MessageWalker.Walk(session, message, string.Empty, depth: 0);
        return session.ToContent();
    }

    /// <summary>
    /// Parses and extracts a message in MIME format (RFC 5322). Input that is not a message
    /// gives a content with one <see cref="UnscannableReason.Corrupt"/> entry.
    /// </summary>
    public ExtractedContent ExtractMessage(Stream mime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mime);
        MimeMessage message;
        try
        {
            // A seekable input is parsed "persistent": parts refer to their range of the input
            // instead of being copied, and the input outlives the walk (done before returning).
            message = MimeMessage.Load(ParserOptions.Default, mime, persistent: mime.CanSeek, cancellationToken);
        }
        catch (FormatException e)
        {
            return Corrupt("message", "not a MIME message: " + e.Message);
        }

        using (message)
        {
            return ExtractMessage(message, cancellationToken);
        }
    }

    /// <summary>Parses (asynchronously) and extracts a message in MIME format.</summary>
    public async Task<ExtractedContent> ExtractMessageAsync(Stream mime, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mime);
        MimeMessage message;
        try
        {
            message = await MimeMessage.LoadAsync(mime, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            return Corrupt("message", "not a MIME message: " + e.Message);
        }

        using (message)
        {
            return ExtractMessage(message, cancellationToken);
        }
    }

    /// <summary>
    /// Extracts a document (uploaded file): its format is recognised from its content, with
    /// <paramref name="fileName"/> and <paramref name="contentType"/> as hints. The document is
    /// located as <c>document:&lt;fileName&gt;</c>; members of archives below it.
    /// </summary>
    public ExtractedContent ExtractDocument(Stream content, string fileName, string? contentType, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return ExtractDocument(fileName, contentType, Read, cancellationToken);

        ArraySegment<byte>? Read(ExtractionSession session, string location)
        {
            var data = session.Capture(location, -1, content, content.CanSeek ? content.Length - content.Position : -1);
            return data is null ? default(ArraySegment<byte>?) : new ArraySegment<byte>(data);
        }
    }

    /// <summary>
    /// Extracts a document the caller already holds in memory, like
    /// <see cref="ExtractDocument(Stream, string, string?, CancellationToken)"/> but reading
    /// <paramref name="content"/> where it is instead of copying it first (the document proxy's
    /// inspection window: with 8 concurrent 1 MiB uploads, that copy was a fresh large-object
    /// array per upload). The content is only read, and not referred to once this returns.
    /// </summary>
    public ExtractedContent ExtractDocument(ReadOnlyMemory<byte> content, string fileName, string? contentType, CancellationToken cancellationToken = default)
    {
        return ExtractDocument(fileName, contentType, Read, cancellationToken);

        ArraySegment<byte>? Read(ExtractionSession session, string location)
        {
            if (!session.Admit(location, content.Length))
            {
                return null;
            }

            return MemoryMarshal.TryGetArray(content, out ArraySegment<byte> segment) ? segment : new ArraySegment<byte>(content.ToArray());
        }
    }

    // read: the document's bytes, taken into the session's byte budget; null when a limit refused them.
    private ExtractedContent ExtractDocument(string fileName, string? contentType, Func<ExtractionSession, string, ArraySegment<byte>?> read, CancellationToken cancellationToken)
    {
        var session = new ExtractionSession(Limits, _time, cancellationToken);
        var name = ExtractionNames.Clean(Path.GetFileName(fileName), "document");
        var location = "document:" + name;
        if (session.CountPart(location))
        {
            var data = read(session, location);
            session.AddAttachment(new AttachmentInfo(location, name, contentType ?? string.Empty, data?.Count ?? -1));
            if (data is { } bytes)
            {
                DocumentReader.Extract(session, bytes, name, contentType, location, depth: 0);
            }
        }

        return session.ToContent();
    }

    private static ExtractedContent Corrupt(string location, string detail) =>
        new([], [new UnscannableContent(location, UnscannableReason.Corrupt, detail)], [], []);
}
