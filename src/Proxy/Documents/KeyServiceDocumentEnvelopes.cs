using System.Security.Cryptography;
using Sovereignty.KeyService;
using Sovereignty.KeyService.DataKeys;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// <see cref="IDocumentEnvelopes"/> over envelope format v1 and the key service's
/// <see cref="DocumentCipher"/> (data keys wrapped in the HSM, DEK cache, audited).
/// </summary>
internal sealed class KeyServiceDocumentEnvelopes(DocumentCipher cipher) : IDocumentEnvelopes
{
    public EnvelopeProbe Probe(ReadOnlySpan<byte> prefix, bool isWholeObject)
    {
        EnvelopeHeaderStatus status;
        EnvelopeHeader? header;
        int needed;
        try
        {
            status = Envelope.TryReadHeader(prefix, out header, out needed);
        }
        catch (KeyServiceException)
        {
            // Starts with the envelope magic but the header is malformed: never treat it as clear data.
            return new EnvelopeProbe(EnvelopeProbeStatus.Invalid);
        }

        return status switch
        {
            EnvelopeHeaderStatus.Complete when header is not null => new EnvelopeProbe(EnvelopeProbeStatus.Envelope, Describe(header, prefix[..header.Length])),
            // No more bytes will come. Fewer than the magic and version byte ("S", "SVEN") cannot be
            // an envelope: clear data. More is an envelope that ends inside its header: cut short.
            EnvelopeHeaderStatus.NeedMoreData when isWholeObject => new EnvelopeProbe(
                prefix.Length < EnvelopeHeader.RecognitionLength ? EnvelopeProbeStatus.NotEnvelope : EnvelopeProbeStatus.Invalid),
            EnvelopeHeaderStatus.NeedMoreData => new EnvelopeProbe(EnvelopeProbeStatus.NeedMoreData, NeededBytes: needed),
            EnvelopeHeaderStatus.NotAnEnvelope => new EnvelopeProbe(EnvelopeProbeStatus.NotEnvelope),
            _ => new EnvelopeProbe(EnvelopeProbeStatus.Invalid),
        };
    }

    public async ValueTask<EncryptingUpload> EncryptAsync(
        Stream plaintext, string keyClass, IReadOnlyList<KeyValuePair<string, string>> context, KeyUse use, CancellationToken cancellationToken)
    {
        OpenedEnvelope opened = await cipher.OpenEncryptingStreamAheadOfRecordAsync(plaintext, keyClass, EncryptionContext.Create(context), use, leaveOpen: true, cancellationToken);
        return new EncryptingUpload(opened.Content, opened.Header.Length);
    }

    public async Task<Stream> OpenRangeAsync(EnvelopeHeaderInfo header, ICiphertextSource source, long offset, long count, KeyUse use, CancellationToken cancellationToken)
    {
        OpenedEnvelope opened = await cipher.OpenRangeAsync(source, offset, count, use, ((EnvelopeHeader)header.Opaque).Context, cancellationToken);
        return opened.Content;
    }

    public long CiphertextLength(long plaintextLength, int headerLength) => EnvelopeLayout.CiphertextLength(plaintextLength, headerLength);

    public bool TryGetPlaintextLength(long ciphertextLength, int headerLength, out long plaintextLength) =>
        EnvelopeLayout.TryGetPlaintextLength(ciphertextLength, headerLength, out plaintextLength);

    public (long First, long Last) CiphertextRange(long offset, long count, long plaintextLength, int headerLength)
    {
        long first = offset / EnvelopeLayout.SegmentSize;
        long last = (offset + count - 1) / EnvelopeLayout.SegmentSize;
        long start = EnvelopeLayout.SegmentOffset(first, headerLength);
        long end = EnvelopeLayout.SegmentOffset(last, headerLength) + EnvelopeLayout.SegmentPlaintextLength(last, plaintextLength) + EnvelopeLayout.TagSize;
        return (start, end - 1);
    }

    private static EnvelopeHeaderInfo Describe(EnvelopeHeader header, ReadOnlySpan<byte> bytes) =>
        new(header.Length, header.Key, [.. header.Context], header, Fingerprint(bytes));

    // 32 bits are plenty to tell versions of one path apart; it is no integrity check (segments are authenticated).
    private static string Fingerprint(ReadOnlySpan<byte> headerBytes) =>
        Convert.ToHexStringLower(SHA256.HashData(headerBytes))[..8];
}
