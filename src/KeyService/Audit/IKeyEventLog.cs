using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Audit;

/// <summary>
/// Where key events go. <see cref="RecordAsync"/> returns only once the event is durable;
/// when it throws, the key operation that produced the event must fail too (no key use
/// without its record). The implementation adds time, node id and the hash chain.
/// </summary>
public interface IKeyEventLog
{
    /// <summary>Records one key event durably, or throws a retryable <see cref="KeyServiceException"/>.</summary>
    ValueTask RecordAsync(KeyEvent keyEvent, CancellationToken cancellationToken);
}

/// <summary>One use (or attempted use) of a key.</summary>
/// <param name="Operation">What was done with the key.</param>
/// <param name="KeyClass">The key class involved.</param>
/// <param name="Key">The exact key version, when known.</param>
/// <param name="Use">Who, on what, why.</param>
/// <param name="Result">How it ended.</param>
/// <param name="ErrorCode">For errors: a stable code (e.g. <c>CKR_DEVICE_ERROR</c>, <c>KeyDestroyed</c>).</param>
/// <param name="Detail">Non-sensitive details (e.g. cache hit, recipients' certificate fingerprints).</param>
/// <param name="Recipients">
/// Mail recipients of the object, when there are any. The log stores only their count and
/// a SHA-256 of each normalised address, never the addresses themselves.
/// </param>
public sealed record KeyEvent(
    KeyOperation Operation,
    string KeyClass,
    KeyReference? Key,
    KeyUse Use,
    KeyEventResult Result,
    string? ErrorCode = null,
    IReadOnlyDictionary<string, string>? Detail = null,
    IReadOnlyList<string>? Recipients = null);

/// <summary>Operations that use or change a key.</summary>
public enum KeyOperation
{
    WrapDataKey,
    UnwrapDataKey,
    CreateKey,
    RotateKey,
    ShredKey,
    Sign,
    DecryptKey,

    /// <summary>A signature checked with a key (e.g. an incoming S/MIME signature).</summary>
    Verify,

    /// <summary>A public key exported from the HSM (e.g. the audit key, for offline verification).</summary>
    ExportPublicKey,
}

/// <summary>How a key operation ended.</summary>
public enum KeyEventResult
{
    Ok,
    Denied,
    Error,
}
