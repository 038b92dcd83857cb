using System.Security.Cryptography;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// Decrypts one envelope whose key commitment was checked: holds the derived segment key
/// (not the data key) so a caller can decrypt several ranges after a single unwrap. The
/// key is zeroed by <see cref="Dispose"/>. Thread-safe: each call gets its own cipher.
/// </summary>
public sealed class EnvelopeDecryptor : IDisposable
{
    private readonly byte[] _segmentKey;
    private bool _disposed;

    internal EnvelopeDecryptor(EnvelopeHeader header, ReadOnlySpan<byte> dataKey)
    {
        Header = header;
        _segmentKey = GC.AllocateArray<byte>(EnvelopeKeySchedule.SegmentKeyLength, pinned: true);
        Span<byte> commitment = stackalloc byte[EnvelopeHeader.CommitmentLength];
        EnvelopeKeySchedule.Derive(dataKey, header, _segmentKey, commitment);
        if (!CryptographicOperations.FixedTimeEquals(commitment, header.Commitment))
        {
            CryptographicOperations.ZeroMemory(_segmentKey);
            throw EnvelopeErrors.CommitmentMismatch(header.Key);
        }
    }

    /// <summary>The envelope's header.</summary>
    public EnvelopeHeader Header { get; }

    /// <summary>
    /// A plaintext stream over the whole body: <paramref name="segments"/> starts at segment 0
    /// and its end marks the end of the envelope.
    /// </summary>
    public Stream OpenStream(Stream segments, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(segments);
        return new EnvelopeDecryptingStream(segments, NewCipher(), firstSegment: 0, plaintextLength: -1, skip: 0, count: long.MaxValue, leaveOpen);
    }

    /// <summary>
    /// A plaintext stream of bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="count"/>)
    /// of a <paramref name="plaintextLength"/>-byte plaintext; <paramref name="segments"/> starts at
    /// the first byte of <see cref="EnvelopeLayout.CiphertextRange"/> for that range.
    /// </summary>
    public Stream OpenRange(Stream segments, long plaintextLength, long offset, long count, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentOutOfRangeException.ThrowIfNegative(plaintextLength);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, plaintextLength - count);
        long first = offset / EnvelopeLayout.SegmentSize;
        return new EnvelopeDecryptingStream(segments, NewCipher(), first, plaintextLength, offset - (first * EnvelopeLayout.SegmentSize), count, leaveOpen);
    }

    /// <summary>Decrypts a range (see <see cref="OpenRange"/>) into <paramref name="destination"/>, one authenticated segment at a time.</summary>
    /// <exception cref="KeyServiceException">A segment failed authentication or the ciphertext ended early (<see cref="KeyErrorKind.InvalidData"/>).</exception>
    public async Task DecryptRangeAsync(Stream segments, long plaintextLength, long offset, long count, Stream destination, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var stream = (EnvelopeDecryptingStream)OpenRange(segments, plaintextLength, offset, count, leaveOpen: true);
        await using (stream.ConfigureAwait(false))
        {
            await stream.WriteAllToAsync(destination, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Zeroes the segment key.</summary>
    public void Dispose()
    {
        _disposed = true;
        CryptographicOperations.ZeroMemory(_segmentKey);
    }

    private SegmentCipher NewCipher()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new SegmentCipher(_segmentKey, Header.NoncePrefix);
    }
}
