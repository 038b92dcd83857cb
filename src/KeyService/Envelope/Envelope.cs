using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Envelope format v1 (docs/envelope-format.md): recognise, encrypt and decrypt envelopes
/// with a data key the caller already holds. <c>DataKeys.DocumentCipher</c> adds
/// data-key creation, unwrapping and audit on top.
/// </summary>
/// <remarks>
/// Every decrypting call first checks the header's key commitment against the data key
/// (nothing is decrypted if it differs), then releases plaintext one authenticated
/// segment at a time. The data key is used to derive the segment key at once and is not
/// kept: callers zero their copy when the call returns.
/// </remarks>
public static class Envelope
{
    /// <summary>
    /// Recognises an envelope from the first bytes of some data. Returns
    /// <see cref="EnvelopeHeaderStatus.NeedMoreData"/> with the total header length in
    /// <paramref name="bytesNeeded"/> (or <see cref="EnvelopeHeader.PrefixLength"/> while
    /// that is unknown) when <paramref name="data"/> is too short.
    /// </summary>
    /// <exception cref="KeyServiceException">The data starts with the envelope magic but its header is malformed or of an unknown version (<see cref="KeyErrorKind.InvalidData"/>).</exception>
    public static EnvelopeHeaderStatus TryReadHeader(ReadOnlySpan<byte> data, out EnvelopeHeader? header, out int bytesNeeded) =>
        EnvelopeHeader.TryParse(data, out header, out bytesNeeded);

    /// <summary>Reads exactly the header from <paramref name="source"/>, leaving it at segment 0.</summary>
    /// <exception cref="KeyServiceException">Not an envelope, header cut off or malformed (<see cref="KeyErrorKind.InvalidData"/>).</exception>
    public static async Task<EnvelopeHeader> ReadHeaderAsync(Stream source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        byte[] buffer = new byte[EnvelopeHeader.PrefixLength];
        int filled = await source.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var status = EnvelopeHeader.TryParse(buffer.AsSpan(0, filled), out var header, out int needed);
            switch (status)
            {
                case EnvelopeHeaderStatus.Complete:
                    return header!;
                case EnvelopeHeaderStatus.NotAnEnvelope:
                    throw EnvelopeErrors.NotAnEnvelope();
                case EnvelopeHeaderStatus.NeedMoreData when filled < buffer.Length:
                    throw filled == 0 ? EnvelopeErrors.NotAnEnvelope() : EnvelopeErrors.TruncatedHeader(needed, filled);
            }

            Array.Resize(ref buffer, needed);
            filled += await source.ReadAtLeastAsync(buffer.AsMemory(filled), needed - filled, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the header at the start of <paramref name="source"/>.</summary>
    public static async Task<EnvelopeHeader> ReadHeaderAsync(ICiphertextSource source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var stream = await source.OpenReadAsync(0, Math.Min(source.Length, EnvelopeHeader.MaxLength), cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            return await ReadHeaderAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Builds a header for a new envelope (fresh random salt and nonce prefix) holding
    /// <paramref name="wrappedKey"/>, committed to <paramref name="dataKey"/>.
    /// </summary>
    public static EnvelopeHeader CreateHeader(KeyReference key, ReadOnlyMemory<byte> wrappedKey, EncryptionContext context, ReadOnlySpan<byte> dataKey) =>
        EnvelopeHeader.Create(key, wrappedKey, context, dataKey);

    /// <summary>
    /// Encryption by pull: a read-only stream yielding the envelope of the plaintext read from
    /// <paramref name="plaintext"/>. With <paramref name="finalSegmentGate"/>, the last segment's
    /// tag (the envelope's last 16 bytes) comes out only after that task has completed, and its
    /// failure is thrown instead.
    /// </summary>
    public static Stream OpenEncryptingStream(Stream plaintext, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, bool leaveOpen = false, Task? finalSegmentGate = null)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(header);
        return new EnvelopeEncryptingStream(plaintext, header, EnvelopeKeySchedule.Open(dataKey, header), leaveOpen, finalSegmentGate);
    }

    /// <summary>Encryption by push: reads <paramref name="plaintext"/> to its end and writes the whole envelope to <paramref name="destination"/>.</summary>
    public static Task EncryptAsync(Stream plaintext, Stream destination, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stream = (EnvelopeEncryptingStream)OpenEncryptingStream(plaintext, header, dataKey, leaveOpen: true);
        return WriteAllAsync(stream, destination, cancellationToken);

        static async Task WriteAllAsync(EnvelopeEncryptingStream stream, Stream destination, CancellationToken cancellationToken)
        {
            await using (stream.ConfigureAwait(false))
            {
                await stream.WriteAllToAsync(destination, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Encryption by push, writer side: plaintext written to the returned stream is encrypted
    /// into <paramref name="destination"/>; <see cref="EnvelopeWriteStream.CompleteAsync"/> writes the last segment.
    /// </summary>
    public static EnvelopeWriteStream CreateWriteStream(Stream destination, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(header);
        return new EnvelopeWriteStream(destination, header, EnvelopeKeySchedule.Open(dataKey, header), leaveOpen);
    }

    /// <summary>
    /// Decryption by pull: a read-only stream of plaintext over <paramref name="segments"/>, a
    /// ciphertext stream positioned right after the header (see <see cref="ReadHeaderAsync(Stream, CancellationToken)"/>).
    /// </summary>
    /// <exception cref="KeyServiceException">The key commitment does not match (thrown here); reads throw on a segment that fails authentication.</exception>
    public static Stream OpenDecryptingStream(Stream segments, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(header);
        var cipher = EnvelopeKeySchedule.Open(dataKey, header);
        return new EnvelopeDecryptingStream(segments, cipher, firstSegment: 0, plaintextLength: -1, skip: 0, count: long.MaxValue, leaveOpen);
    }

    /// <summary>Decryption by push: decrypts all segments of <paramref name="segments"/> into <paramref name="destination"/>.</summary>
    public static Task DecryptAsync(Stream segments, Stream destination, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stream = (EnvelopeDecryptingStream)OpenDecryptingStream(segments, header, dataKey, leaveOpen: true);
        return WriteAllAsync(stream, destination, cancellationToken);
    }

    /// <summary>
    /// Random access: a stream of the plaintext bytes [<paramref name="offset"/>,
    /// <paramref name="offset"/> + <paramref name="count"/>) that reads from
    /// <paramref name="source"/> only the segments the range touches (one ranged read).
    /// </summary>
    /// <exception cref="KeyServiceException">The source length is not a valid envelope length, or the key commitment does not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the plaintext.</exception>
    public static Task<Stream> OpenRangeAsync(ICiphertextSource source, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, long offset, long count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(header);
        long plaintextLength = header.GetPlaintextLength(source.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, plaintextLength - count);
        return OpenRangeCoreAsync(source, new EnvelopeDecryptor(header, dataKey), plaintextLength, offset, count, cancellationToken);
    }

    /// <summary>
    /// Checks the key commitment of <paramref name="header"/> against <paramref name="dataKey"/>
    /// and returns a decryptor for any number of ranges of that envelope.
    /// </summary>
    /// <exception cref="KeyServiceException">The key commitment does not match (<see cref="KeyErrorKind.InvalidData"/>).</exception>
    public static EnvelopeDecryptor CreateDecryptor(EnvelopeHeader header, ReadOnlySpan<byte> dataKey)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new EnvelopeDecryptor(header, dataKey);
    }

    /// <summary>Random access by push: decrypts a plaintext range into <paramref name="destination"/>.</summary>
    public static Task DecryptRangeAsync(ICiphertextSource source, EnvelopeHeader header, ReadOnlySpan<byte> dataKey, long offset, long count, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var range = OpenRangeAsync(source, header, dataKey, offset, count, cancellationToken);
        return CopyRangeAsync(range, destination, cancellationToken);

        static async Task CopyRangeAsync(Task<Stream> range, Stream destination, CancellationToken cancellationToken)
        {
            var stream = await range.ConfigureAwait(false);
            if (stream is EnvelopeDecryptingStream decrypting)
            {
                await WriteAllAsync(decrypting, destination, cancellationToken).ConfigureAwait(false);
                return;
            }

            await using (stream.ConfigureAwait(false))
            {
                await stream.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Copies a stream returned by this class to <paramref name="destination"/>, writing each
    /// authenticated segment straight from its buffer (no intermediate copy).
    /// </summary>
    public static async Task CopyAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        switch (source)
        {
            case EnvelopeDecryptingStream decrypting:
                await decrypting.WriteAllToAsync(destination, cancellationToken).ConfigureAwait(false);
                break;
            case EnvelopeEncryptingStream encrypting:
                await encrypting.WriteAllToAsync(destination, cancellationToken).ConfigureAwait(false);
                break;
            default:
                await source.CopyToAsync(destination, EnvelopeLayout.CiphertextSegmentSize, cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    private static async Task<Stream> OpenRangeCoreAsync(
        ICiphertextSource source,
        EnvelopeDecryptor decryptor,
        long plaintextLength,
        long offset,
        long count,
        CancellationToken cancellationToken)
    {
        using (decryptor)
        {
            if (count == 0)
            {
                return new MemoryStream([], writable: false);
            }

            var (first, last) = EnvelopeLayout.CiphertextRange(offset, count, plaintextLength, decryptor.Header.Length);
            var segments = await source.OpenReadAsync(first, last - first + 1, cancellationToken).ConfigureAwait(false);
            return decryptor.OpenRange(segments, plaintextLength, offset, count);
        }
    }

    private static async Task WriteAllAsync(EnvelopeDecryptingStream stream, Stream destination, CancellationToken cancellationToken)
    {
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAllToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }
}
