namespace Sovereignty.KeyService.Keys;

/// <summary>
/// Resolves key classes to their providers and versions, and uses the KEKs: the one seam
/// through which data keys are wrapped and unwrapped. Every call records exactly one
/// key event (see <see cref="Audit.IKeyEventLog"/>) before it returns.
/// </summary>
public interface IKeyRing
{
    /// <summary>The configured key classes.</summary>
    IReadOnlyList<KeyClassInfo> Classes { get; }

    /// <summary>Wraps <paramref name="dataKey"/> under the primary version of <paramref name="keyClass"/>.</summary>
    Task<WrappedDataKey> WrapAsync(string keyClass, ReadOnlyMemory<byte> dataKey, KeyUse use, CancellationToken cancellationToken);

    /// <summary>
    /// Wraps like <see cref="WrapAsync"/>, but returns as soon as the HSM has answered, while
    /// the key event of the wrap is still being written. The caller must not let anything
    /// protected by the key be completed (an object fully stored) before
    /// <see cref="PendingWrap.Recorded"/> has completed, and must abandon it if that fails:
    /// it lets a proxy send ciphertext while the audit log writes, never past it. A failed wrap
    /// has its event recorded before this throws, as with <see cref="WrapAsync"/>.
    /// </summary>
    Task<PendingWrap> BeginWrapAsync(string keyClass, ReadOnlyMemory<byte> dataKey, KeyUse use, CancellationToken cancellationToken);

    /// <summary>Unwraps a data key wrapped under <paramref name="key"/> (any version not yet shredded).</summary>
    Task<byte[]> UnwrapAsync(KeyReference key, ReadOnlyMemory<byte> wrappedKey, KeyUse use, CancellationToken cancellationToken);
}

/// <summary>A configured key class as the rest of the gateway sees it.</summary>
/// <param name="Name">Class name, e.g. <c>confidential-fr</c>.</param>
/// <param name="Provider">Configured provider name.</param>
/// <param name="Residency">Where the keys live, e.g. <c>fr</c> or <c>eu</c>.</param>
public sealed record KeyClassInfo(string Name, string Provider, string Residency);

/// <summary>A data key wrapped under one KEK version.</summary>
public sealed record WrappedDataKey(KeyReference Key, byte[] WrappedKey);

/// <summary>A wrap the HSM has done, whose key event is being recorded.</summary>
/// <param name="Result">The wrapped data key.</param>
/// <param name="Recorded">
/// Completes once the event is durable; faults with a retryable <see cref="KeyServiceException"/>
/// when it cannot be recorded. Its failure is observed here, so a caller that gives up before
/// awaiting it leaves no unobserved task exception.
/// </param>
public sealed record PendingWrap(WrappedDataKey Result, Task Recorded);
