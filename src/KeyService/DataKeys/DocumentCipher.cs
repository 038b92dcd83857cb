using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>
/// Encrypts and decrypts whole documents and byte ranges with envelope format v1: the one
/// entry point for the CLI and the document proxy. Each object written gets a fresh data
/// key (one HSM wrap); each object read costs at most one HSM unwrap (see <see cref="DataKeyService"/>).
/// </summary>
/// <remarks>
/// When the caller knows which context an object must carry (its identity, label, policy),
/// it passes it as <c>expectedContext</c>; an envelope whose context differs is refused
/// before its key is unwrapped, so an envelope copied onto another object never decrypts.
/// All failures are <see cref="KeyServiceException"/>s: <see cref="KeyErrorKind.InvalidData"/>
/// names what failed (header, commitment, context, segment N, truncation).
/// </remarks>
public sealed class DocumentCipher
{
    private readonly DataKeyService _dataKeys;
    private readonly ILogger _logger;

    public DocumentCipher(DataKeyService dataKeys, ILogger<DocumentCipher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataKeys);
        _dataKeys = dataKeys;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Encrypts <paramref name="plaintext"/> (to its end) into <paramref name="destination"/> under <paramref name="keyClass"/>.</summary>
    /// <returns>The header written (key version, context, length).</returns>
    public async Task<EnvelopeHeader> EncryptAsync(Stream plaintext, Stream destination, string keyClass, EncryptionContext context, KeyUse use, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(destination);
        using var dataKey = await _dataKeys.CreateAsync(keyClass, use, cancellationToken).ConfigureAwait(false);
        var header = CreateHeader(dataKey, context);
        await Codec.EncryptAsync(plaintext, destination, header, dataKey.Value, cancellationToken).ConfigureAwait(false);
        return header;
    }

    /// <summary>
    /// Encryption by pull (request bodies): a read-only stream yielding the envelope of
    /// <paramref name="plaintext"/>. Its length, when the plaintext length is known, is
    /// <see cref="EnvelopeHeader.GetEnvelopeLength"/>. With <paramref name="leaveOpen"/> false,
    /// disposing the returned stream disposes <paramref name="plaintext"/>.
    /// </summary>
    public async Task<OpenedEnvelope> OpenEncryptingStreamAsync(Stream plaintext, string keyClass, EncryptionContext context, KeyUse use, bool leaveOpen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        using var dataKey = await _dataKeys.CreateAsync(keyClass, use, cancellationToken).ConfigureAwait(false);
        var header = CreateHeader(dataKey, context);
        return new OpenedEnvelope(header, Codec.OpenEncryptingStream(plaintext, header, dataKey.Value, leaveOpen), PlaintextLength: null);
    }

    /// <summary>
    /// Like <see cref="OpenEncryptingStreamAsync"/>, but returns as soon as the HSM has wrapped
    /// the data key, while its key event is still being written: the stream yields everything
    /// but the last segment's tag at once, and the tag only after the event is durable (its read
    /// fails with a retryable <see cref="KeyServiceException"/> when the event cannot be
    /// recorded). A proxy can so send a large object's ciphertext while the audit log
    /// writes, and the object is never complete without its event. A caller that must answer
    /// before sending anything awaits <see cref="OpenedEnvelope.KeyEventRecorded"/>.
    /// </summary>
    public async Task<OpenedEnvelope> OpenEncryptingStreamAheadOfRecordAsync(Stream plaintext, string keyClass, EncryptionContext context, KeyUse use, bool leaveOpen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        var pending = await _dataKeys.BeginCreateAsync(keyClass, use, cancellationToken).ConfigureAwait(false);
        using var dataKey = pending.Key;
        var header = CreateHeader(dataKey, context);
        var content = Codec.OpenEncryptingStream(plaintext, header, dataKey.Value, leaveOpen, finalSegmentGate: pending.Recorded);
        return new OpenedEnvelope(header, content, PlaintextLength: null) { KeyEventRecorded = pending.Recorded };
    }

    /// <summary>Encryption by push, writer side: write plaintext, then <see cref="EnvelopeWriteStream.CompleteAsync"/>.</summary>
    public async Task<EnvelopeWriteStream> CreateWriteStreamAsync(Stream destination, string keyClass, EncryptionContext context, KeyUse use, bool leaveOpen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var dataKey = await _dataKeys.CreateAsync(keyClass, use, cancellationToken).ConfigureAwait(false);
        var header = CreateHeader(dataKey, context);
        return Codec.CreateWriteStream(destination, header, dataKey.Value, leaveOpen);
    }

    /// <summary>Decrypts a whole envelope read from <paramref name="envelope"/> into <paramref name="destination"/>.</summary>
    /// <returns>The envelope's header.</returns>
    public async Task<EnvelopeHeader> DecryptAsync(Stream envelope, Stream destination, KeyUse use, EncryptionContext? expectedContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var opened = await OpenDecryptingStreamAsync(envelope, use, expectedContext, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (opened.Content.ConfigureAwait(false))
        {
            await Codec.CopyAsync(opened.Content, destination, cancellationToken).ConfigureAwait(false);
        }

        return opened.Header;
    }

    /// <summary>Decryption by pull: reads the header from <paramref name="envelope"/>, unwraps the key, and returns the plaintext stream.</summary>
    public async Task<OpenedEnvelope> OpenDecryptingStreamAsync(Stream envelope, KeyUse use, EncryptionContext? expectedContext, bool leaveOpen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var header = await Codec.ReadHeaderAsync(envelope, cancellationToken).ConfigureAwait(false);
        return await OpenDecryptingStreamAsync(header, envelope, use, expectedContext, leaveOpen, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Decryption by pull when the header was already read (e.g. recognised with
    /// <see cref="Codec.TryReadHeader"/>): <paramref name="segments"/> starts at segment 0.
    /// </summary>
    public async Task<OpenedEnvelope> OpenDecryptingStreamAsync(EnvelopeHeader header, Stream segments, KeyUse use, EncryptionContext? expectedContext, bool leaveOpen, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(segments);
        CheckContext(header, use, expectedContext);
        using var dataKey = await _dataKeys.UnwrapAsync(header, use, cancellationToken).ConfigureAwait(false);
        return new OpenedEnvelope(header, Codec.OpenDecryptingStream(segments, header, dataKey.Value, leaveOpen), PlaintextLength: null);
    }

    /// <summary>
    /// Unwraps the data key of <paramref name="header"/> (DEK cache first, at most one HSM
    /// call), checks the key commitment, and returns a decryptor for any number of ranges of
    /// that envelope (the proxy fetches the ciphertext of each range itself, see
    /// <see cref="EnvelopeLayout.CiphertextRange"/>).
    /// </summary>
    public async Task<EnvelopeDecryptor> OpenDecryptorAsync(EnvelopeHeader header, KeyUse use, EncryptionContext? expectedContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(header);
        CheckContext(header, use, expectedContext);
        using var dataKey = await _dataKeys.UnwrapAsync(header, use, cancellationToken).ConfigureAwait(false);
        return Codec.CreateDecryptor(header, dataKey.Value);
    }

    /// <summary>
    /// Random access: the plaintext bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>)
    /// of the envelope in <paramref name="source"/>, reading only the segments they touch.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the plaintext (see <see cref="OpenedEnvelope.PlaintextLength"/> from <see cref="ReadHeaderAsync"/>).</exception>
    public async Task<OpenedEnvelope> OpenRangeAsync(ICiphertextSource source, long offset, long count, KeyUse use, EncryptionContext? expectedContext, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var header = await Codec.ReadHeaderAsync(source, cancellationToken).ConfigureAwait(false);
        long plaintextLength = header.GetPlaintextLength(source.Length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, plaintextLength - count);
        CheckContext(header, use, expectedContext);
        using var dataKey = await _dataKeys.UnwrapAsync(header, use, cancellationToken).ConfigureAwait(false);
        var content = await Codec.OpenRangeAsync(source, header, dataKey.Value, offset, count, cancellationToken).ConfigureAwait(false);
        return new OpenedEnvelope(header, content, plaintextLength);
    }

    /// <summary>Reads the header of the envelope in <paramref name="source"/> and its plaintext length, without using any key.</summary>
    public static async Task<(EnvelopeHeader Header, long PlaintextLength)> ReadHeaderAsync(ICiphertextSource source, CancellationToken cancellationToken)
    {
        var header = await Codec.ReadHeaderAsync(source, cancellationToken).ConfigureAwait(false);
        return (header, header.GetPlaintextLength(source.Length));
    }

    private static EnvelopeHeader CreateHeader(DataKey dataKey, EncryptionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Codec.CreateHeader(dataKey.Key, dataKey.WrappedKey, context, dataKey.Value);
    }

    private void CheckContext(EnvelopeHeader header, KeyUse use, EncryptionContext? expected)
    {
        if (expected is not null && !header.Context.Equals(expected))
        {
            DataKeysLog.ContextMismatch(_logger, header.Key, use.ObjectId);
            throw EnvelopeErrors.ContextMismatch(expected, header.Context);
        }
    }
}

/// <summary>An envelope being encrypted or decrypted: its header and the stream of output bytes.</summary>
/// <param name="Header">The envelope header (key version, context, header length).</param>
/// <param name="Content">Envelope bytes when encrypting, plaintext when decrypting. Dispose it.</param>
/// <param name="PlaintextLength">The whole plaintext length, when known (ranges over a source of known length).</param>
public sealed record OpenedEnvelope(EnvelopeHeader Header, Stream Content, long? PlaintextLength)
{
    /// <summary>
    /// Completes once the key event of the data key's use is durable: already completed except
    /// from <see cref="DocumentCipher.OpenEncryptingStreamAheadOfRecordAsync"/>.
    /// </summary>
    public Task KeyEventRecorded { get; init; } = Task.CompletedTask;
}
