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
