using System.Security.Cryptography;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.DataKeys;

/// <summary>
/// A 256-bit data key in clear, with the KEK version that wraps it. The bytes live in a
/// pinned array and are zeroed by <see cref="Dispose"/>: hold it only while encrypting or
/// decrypting one object.
/// </summary>
public sealed class DataKey : IDisposable
{
    private readonly byte[] _value;
    private bool _disposed;

    internal DataKey(byte[] pinnedValue, KeyReference key, ReadOnlyMemory<byte> wrappedKey, bool fromCache)
    {
        _value = pinnedValue;
        Key = key;
        WrappedKey = wrappedKey;
        FromCache = fromCache;
    }

    /// <summary>The KEK version that wraps this key.</summary>
    public KeyReference Key { get; }

    /// <summary>This key wrapped under <see cref="Key"/>, as stored in envelope headers.</summary>
    public ReadOnlyMemory<byte> WrappedKey { get; }

    /// <summary>True when the key came from the DEK cache rather than from the HSM.</summary>
    public bool FromCache { get; }

    /// <summary>The key bytes; only inside the key service.</summary>
    internal ReadOnlySpan<byte> Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _value;
        }
    }

    /// <summary>A pinned 32-byte array for a data key.</summary>
    internal static byte[] AllocatePinned() => GC.AllocateArray<byte>(32, pinned: true);

    /// <summary>Zeroes the key bytes.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(_value);
            _disposed = true;
        }
    }
}
