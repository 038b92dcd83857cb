using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// The envelope's refusals, one factory per failure so each message names what failed
/// (header, commitment, segment N, truncation, context) and what the reader can do.
/// </summary>
internal static class EnvelopeErrors
{
    public static KeyServiceException NotAnEnvelope() =>
        new(KeyErrorKind.InvalidData, "The data is not a Sovereignty envelope (no magic bytes followed by a version 1-8): it was not encrypted by Sovereignty, or its start was cut off.");

    public static KeyServiceException UnsupportedVersion(int version) =>
        new(KeyErrorKind.InvalidData, $"Envelope format version {version} is not supported (this build reads version {EnvelopeHeader.CurrentVersion}): upgrade Sovereignty or check that the data was not modified.");

    public static KeyServiceException MalformedHeader(string what) =>
        new(KeyErrorKind.InvalidData, $"The envelope header is malformed ({what}): the envelope was modified or cut off.");

    public static KeyServiceException TruncatedHeader(int needed, long available) =>
        new(KeyErrorKind.InvalidData, $"The envelope header is cut off ({available} of {needed} bytes present): the envelope was truncated.");

    public static KeyServiceException CommitmentMismatch(KeyReference key) =>
        new(KeyErrorKind.InvalidData, $"The envelope header failed authentication (key commitment mismatch under {key}): the header was modified, moved from another object, or the data key is wrong. Nothing was decrypted.");

    public static KeyServiceException ContextMismatch(EncryptionContext expected, EncryptionContext actual) =>
        new(KeyErrorKind.InvalidData, $"The envelope's encryption context [{actual}] differs from the expected [{expected}]: the envelope belongs to another object or label. Nothing was decrypted.");

    public static KeyServiceException SegmentAuthentication(long segment, bool last) =>
        new(KeyErrorKind.InvalidData, last
            ? $"Envelope segment {segment} (the last one read) failed authentication: the envelope was truncated, extended or modified. Its plaintext was not released."
            : $"Envelope segment {segment} failed authentication: the envelope was modified, or segments were reordered or duplicated. Its plaintext was not released.");

    public static KeyServiceException Truncated(long segment, long expected, long actual) =>
        new(KeyErrorKind.InvalidData, $"The envelope ends inside segment {segment} ({actual} of {expected} bytes): the envelope was truncated. Its plaintext was not released.");

    public static KeyServiceException NoSegments() =>
        new(KeyErrorKind.InvalidData, "The envelope ends right after its header (no segment): the envelope was truncated.");

    public static KeyServiceException BadLength(long length) =>
        new(KeyErrorKind.InvalidData, $"An envelope cannot be {length} bytes long with this header (the length is not a valid segment layout): the envelope was truncated or extended.");
}
