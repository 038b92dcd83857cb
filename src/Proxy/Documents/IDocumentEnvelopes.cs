using Sovereignty.KeyService.Envelope;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.Proxy.Documents;

/// <summary>
/// What the document proxy needs from the envelope format and the key service: recognise
/// an envelope from its first bytes, encrypt by pull, decrypt a byte range, and the length
/// arithmetic between plaintext and ciphertext. The seam between YARP plumbing and
/// Sovereignty.KeyService.Envelope (see <c>KeyServiceDocumentEnvelopes</c>).
/// </summary>
public interface IDocumentEnvelopes
{
    /// <summary>
    /// Recognises an envelope from the first bytes of an object. When
    /// <paramref name="isWholeObject"/> is true the answer is never
    /// <see cref="EnvelopeProbeStatus.NeedMoreData"/>: a whole object shorter than the magic
    /// and version byte is clear data, a longer one that starts like an envelope but ends
    /// inside its header is <see cref="EnvelopeProbeStatus.Invalid"/> (an envelope cut short).
    /// </summary>
    EnvelopeProbe Probe(ReadOnlySpan<byte> prefix, bool isWholeObject);

    /// <summary>
    /// Starts an envelope around <paramref name="plaintext"/>: wraps a fresh data key under
    /// the primary version of <paramref name="keyClass"/> (one HSM call, one audit event) and
    /// returns a stream that encrypts as it is read. It returns once the HSM has answered,
    /// while the audit event is still being written: the stream releases everything but the
    /// last segment's tag (16 bytes) at once, and the tag only when the event is durable; when
    /// the event cannot be recorded, that read throws a retryable
    /// <see cref="KeyService.KeyServiceException"/> instead, so the envelope is never complete
    /// without its event.
    /// </summary>
    /// <exception cref="KeyService.KeyServiceException">The key service refused or the HSM is unavailable.</exception>
    ValueTask<EncryptingUpload> EncryptAsync(
        Stream plaintext,
        string keyClass,
        IReadOnlyList<KeyValuePair<string, string>> context,
        KeyUse use,
        CancellationToken cancellationToken);

    /// <summary>
    /// Unwraps the data key of <paramref name="header"/> (DEK cache first, one audit event) and
    /// returns the plaintext bytes <paramref name="offset"/> … <paramref name="offset"/> +
    /// <paramref name="count"/> − 1, reading from <paramref name="source"/> only the segments
    /// they touch. Reading the stream throws <see cref="KeyService.KeyServiceException"/>
    /// (<see cref="KeyService.KeyErrorKind.InvalidData"/>) at the first segment that fails
    /// authentication; no byte of that segment is released.
    /// </summary>
    /// <exception cref="KeyService.KeyServiceException">The key service refused or is unavailable, or the header is invalid.</exception>
    Task<Stream> OpenRangeAsync(EnvelopeHeaderInfo header, ICiphertextSource source, long offset, long count, KeyUse use, CancellationToken cancellationToken);

    /// <summary>Total envelope length for <paramref name="plaintextLength"/> bytes under a header of <paramref name="headerLength"/> bytes.</summary>
    long CiphertextLength(long plaintextLength, int headerLength);

    /// <summary>The plaintext length of a well-formed envelope; false when the length is impossible (truncated, extended).</summary>
    bool TryGetPlaintextLength(long ciphertextLength, int headerLength, out long plaintextLength);

    /// <summary>
    /// The ciphertext bytes (inclusive offsets from the start of the envelope) holding every
    /// segment that plaintext bytes <paramref name="offset"/> … <paramref name="offset"/> +
    /// <paramref name="count"/> − 1 touch.
    /// </summary>
    (long First, long Last) CiphertextRange(long offset, long count, long plaintextLength, int headerLength);
}

/// <summary>An envelope being written: read <see cref="Ciphertext"/> to pull encrypted bytes.</summary>
/// <param name="Ciphertext">Header then segments, produced as the plaintext is read; the last segment's tag waits for the data key's audit event.</param>
/// <param name="HeaderLength">Length of the header at the start of <see cref="Ciphertext"/>.</param>
public sealed record EncryptingUpload(Stream Ciphertext, int HeaderLength);

/// <summary>What the first bytes of an object are.</summary>
public enum EnvelopeProbeStatus
{
    /// <summary>Not an envelope: the object is stored in clear.</summary>
    NotEnvelope,

    /// <summary>Starts like an envelope, but the header is longer than the bytes given and more of the object follows.</summary>
    NeedMoreData,

    /// <summary>An envelope whose header was read.</summary>
    Envelope,

    /// <summary>Starts like an envelope, but the header is malformed (tampered or corrupt).</summary>
    Invalid,
}

/// <summary>Result of <see cref="IDocumentEnvelopes.Probe"/>.</summary>
public sealed record EnvelopeProbe(EnvelopeProbeStatus Status, EnvelopeHeaderInfo? Header = null, int NeededBytes = 0);

/// <summary>The parts of an envelope header the proxy uses.</summary>
/// <param name="HeaderLength">Bytes of header before the first segment.</param>
/// <param name="Key">The KEK version that wrapped the data key.</param>
/// <param name="Context">The authenticated encryption context, in order.</param>
/// <param name="Opaque">The parsed header as the envelope format holds it, for <see cref="IDocumentEnvelopes.OpenRangeAsync"/>.</param>
/// <param name="Fingerprint">
/// The first 8 hex digits of the SHA-256 of the header bytes. Every envelope has a fresh salt and
/// wrapped data key, so it tells two versions apart where the store's ETag (nginx: mtime and
/// size) may not.
/// </param>
public sealed record EnvelopeHeaderInfo(int HeaderLength, KeyReference Key, IReadOnlyList<KeyValuePair<string, string>> Context, object Opaque, string Fingerprint)
{
    /// <summary>Context key under which the proxy stores the label.</summary>
    public const string LabelKey = "label";

    /// <summary>Context key under which the proxy stores the object identity (route + path).</summary>
    public const string ObjectKey = "object";

    /// <summary>Context key under which the proxy stores the policy version.</summary>
    public const string PolicyKey = "policy";

    /// <summary>Context key under which the proxy stores the groups that may read the object (comma-separated).</summary>
    public const string ReaderGroupsKey = "readers-groups";

    /// <summary>Context key under which the proxy stores the subjects that may read the object (comma-separated).</summary>
    public const string ReaderSubjectsKey = "readers-subjects";

    /// <summary>The label recorded at upload, or null when the context has none.</summary>
    public string? Label => Context.FirstOrDefault(pair => pair.Key == LabelKey).Value;

    /// <summary>The object identity recorded at upload.</summary>
    public string? ObjectId => Context.FirstOrDefault(pair => pair.Key == ObjectKey).Value;

    /// <summary>The groups recorded at upload as readers (empty when none).</summary>
    public IReadOnlyList<string> ReaderGroups => List(ReaderGroupsKey);

    /// <summary>The subjects recorded at upload as readers (empty when none).</summary>
    public IReadOnlyList<string> ReaderSubjects => List(ReaderSubjectsKey);

    private string[] List(string key) =>
        Context.FirstOrDefault(pair => pair.Key == key).Value is { Length: > 0 } value
            ? value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
}
