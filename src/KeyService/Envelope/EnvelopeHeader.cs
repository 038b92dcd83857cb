using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Sovereignty.KeyService.Keys;

namespace Sovereignty.KeyService.Envelope;

/// <summary>
/// The header of a version-1 envelope: what is needed to find and unwrap the data key and
/// to authenticate the body, stored in clear but authenticated (see docs/envelope-format.md).
/// </summary>
/// <remarks>
/// Layout (big-endian): magic <c>SVEN</c>, version (1 byte), header length (u32), salt (32),
/// nonce prefix (7), key class (u8 length + UTF-8), key id (u8 + UTF-8), key version (u32),
/// wrapped DEK (u16 + bytes), context (u16 count, then u16 + UTF-8 key, u16 + UTF-8 value),
/// key commitment (32). Every byte before the commitment is hashed into the key derivation,
/// so any change to the header changes the segment key and the commitment.
/// </remarks>
public sealed class EnvelopeHeader
{
    /// <summary>The format version this build writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>Longest header accepted (64 KiB): bounds what a reader buffers before authenticating.</summary>
    public const int MaxLength = 64 * 1024;

    /// <summary>
    /// Highest version byte reserved for envelopes (versions 1 to 8). "SVEN" followed by any
    /// other byte is ordinary data (text such as "SVEN Larsson" has a space or a letter
    /// there), so objects stored in clear are never mistaken for damaged envelopes.
    /// </summary>
    public const int LastReservedVersion = 8;

    /// <summary>Bytes that decide whether data is an envelope: the magic and the version byte.</summary>
    public const int RecognitionLength = 5;

    /// <summary>Bytes needed to learn a header's length: magic, version and length.</summary>
    public const int PrefixLength = 9;

    internal const int SaltLength = 32;
    internal const int NoncePrefixLength = 7;
    internal const int CommitmentLength = 32;
    internal const int DataKeyLength = 32;
    internal const int MaxWrappedKeyLength = 1024;
    private const int SaltOffset = PrefixLength;
    private const int NoncePrefixOffset = SaltOffset + SaltLength;
    private const int VariableOffset = NoncePrefixOffset + NoncePrefixLength;

    // class(1+1) + id(1+1) + version(4) + wrapped(2+1) + context count(2): the shortest valid header.
    private const int MinLength = VariableOffset + 2 + 2 + 4 + 3 + 2 + CommitmentLength;

    private readonly byte[] _bytes;

    private EnvelopeHeader(byte[] bytes, KeyReference key, ReadOnlyMemory<byte> wrappedKey, EncryptionContext context)
    {
        _bytes = bytes;
        Key = key;
        WrappedKey = wrappedKey;
        Context = context;
    }

    /// <summary>The magic bytes that open every envelope: ASCII <c>SVEN</c>.</summary>
    public static ReadOnlySpan<byte> Magic => "SVEN"u8;

    /// <summary>The format version.</summary>
    public int Version { get; } = CurrentVersion;

    /// <summary>The KEK version that wrapped the data key.</summary>
    public KeyReference Key { get; }

    /// <summary>The data key wrapped by <see cref="Key"/> (opaque provider bytes).</summary>
    public ReadOnlyMemory<byte> WrappedKey { get; }

    /// <summary>The authenticated encryption context.</summary>
    public EncryptionContext Context { get; }

    /// <summary>Header length in bytes: where segment 0 starts.</summary>
    public int Length => _bytes.Length;

    /// <summary>The serialized header, exactly as stored.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    internal ReadOnlySpan<byte> Salt => _bytes.AsSpan(SaltOffset, SaltLength);

    internal ReadOnlySpan<byte> NoncePrefix => _bytes.AsSpan(NoncePrefixOffset, NoncePrefixLength);

    internal ReadOnlySpan<byte> Commitment => _bytes.AsSpan(_bytes.Length - CommitmentLength);

    /// <summary>Key reference, wrapped DEK and context as stored: what identifies the data key and its use.</summary>
    internal ReadOnlySpan<byte> KeyIdentity => _bytes.AsSpan(VariableOffset, _bytes.Length - CommitmentLength - VariableOffset);

    /// <summary>Everything the commitment and the segment key are bound to.</summary>
    internal ReadOnlySpan<byte> AuthenticatedBytes => _bytes.AsSpan(0, _bytes.Length - CommitmentLength);

    /// <summary>Total envelope length for a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public long GetEnvelopeLength(long plaintextLength) => EnvelopeLayout.CiphertextLength(plaintextLength, Length);

    /// <summary>The plaintext length of a whole envelope of <paramref name="envelopeLength"/> bytes.</summary>
    /// <exception cref="KeyServiceException">No plaintext length gives that envelope length (truncated or extended).</exception>
    public long GetPlaintextLength(long envelopeLength) =>
        EnvelopeLayout.TryGetPlaintextLength(envelopeLength, Length, out long plaintext) ? plaintext : throw EnvelopeErrors.BadLength(envelopeLength);

    /// <summary>Builds a header with a fresh random salt and nonce prefix, committed to <paramref name="dataKey"/>.</summary>
    internal static EnvelopeHeader Create(KeyReference key, ReadOnlyMemory<byte> wrappedKey, EncryptionContext context, ReadOnlySpan<byte> dataKey)
    {
        // One draw for both: each RandomNumberGenerator call is an OpenSSL RAND_bytes with its
        // own fork check (a getpid system call), paid on every upload.
        Span<byte> random = stackalloc byte[SaltLength + NoncePrefixLength];
        RandomNumberGenerator.Fill(random);
        return Create(key, wrappedKey, context, dataKey, random[..SaltLength], random[SaltLength..]);
    }

    /// <summary>Builds a header from explicit randomness: for test vectors only.</summary>
    internal static EnvelopeHeader Create(
        KeyReference key,
        ReadOnlyMemory<byte> wrappedKey,
        EncryptionContext context,
        ReadOnlySpan<byte> dataKey,
        ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> noncePrefix)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(context);
        CheckDataKey(dataKey);
        ArgumentOutOfRangeException.ThrowIfNotEqual(salt.Length, SaltLength);
        ArgumentOutOfRangeException.ThrowIfNotEqual(noncePrefix.Length, NoncePrefixLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(key.Version);
        byte[] keyClass = EncodeShort(key.KeyClass, nameof(key));
        byte[] keyId = EncodeShort(key.KeyId, nameof(key));
        if (wrappedKey.IsEmpty || wrappedKey.Length > MaxWrappedKeyLength)
        {
            throw new ArgumentException($"A wrapped data key must be 1 to {MaxWrappedKeyLength} bytes.", nameof(wrappedKey));
        }

        var writer = new HeaderWriter();
        writer.Write(Magic);
        writer.WriteByte(CurrentVersion);
        writer.WriteUInt32(0); // patched below, once the length is known
        writer.Write(salt);
        writer.Write(noncePrefix);
        writer.WriteByte((byte)keyClass.Length);
        writer.Write(keyClass);
        writer.WriteByte((byte)keyId.Length);
        writer.Write(keyId);
        writer.WriteUInt32((uint)key.Version);
        writer.WriteUInt16((ushort)wrappedKey.Length);
        writer.Write(wrappedKey.Span);
        writer.WriteUInt16((ushort)context.Count);
        foreach (var (name, value) in context)
        {
            byte[] nameBytes = EncryptionContext.StrictUtf8.GetBytes(name);
            byte[] valueBytes = EncryptionContext.StrictUtf8.GetBytes(value);
            writer.WriteUInt16((ushort)nameBytes.Length);
            writer.Write(nameBytes);
            writer.WriteUInt16((ushort)valueBytes.Length);
            writer.Write(valueBytes);
        }

        writer.Write(stackalloc byte[CommitmentLength]);
        byte[] bytes = writer.ToArray();
        if (bytes.Length > MaxLength)
        {
            throw new ArgumentException($"The envelope header would be {bytes.Length} bytes, more than {MaxLength}: shorten the encryption context.", nameof(context));
        }

        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), (uint)bytes.Length);
        var header = new EnvelopeHeader(bytes, key, wrappedKey.ToArray(), context);
        Span<byte> segmentKey = stackalloc byte[EnvelopeKeySchedule.SegmentKeyLength];
        EnvelopeKeySchedule.Derive(dataKey, header, segmentKey, bytes.AsSpan(bytes.Length - CommitmentLength));
        CryptographicOperations.ZeroMemory(segmentKey);
        return header;
    }

    /// <summary>
    /// Parses a header from the start of <paramref name="data"/>. Returns
    /// <see cref="EnvelopeHeaderStatus.NeedMoreData"/> with the length needed when the
    /// prefix is too short, <see cref="EnvelopeHeaderStatus.NotAnEnvelope"/> when the magic
    /// bytes do not match or the version byte is outside 1..<see cref="LastReservedVersion"/>.
    /// </summary>
    /// <exception cref="KeyServiceException">The magic matches but the header is malformed or of an unknown version.</exception>
    internal static EnvelopeHeaderStatus TryParse(ReadOnlySpan<byte> data, out EnvelopeHeader? header, out int bytesNeeded)
    {
        header = null;
        int magicBytes = Math.Min(data.Length, Magic.Length);
        if (!data[..magicBytes].SequenceEqual(Magic[..magicBytes]))
        {
            bytesNeeded = 0;
            return EnvelopeHeaderStatus.NotAnEnvelope;
        }

        if (data.Length >= RecognitionLength)
        {
            byte version = data[Magic.Length];
            if (version is 0 or > LastReservedVersion)
            {
                bytesNeeded = 0;
                return EnvelopeHeaderStatus.NotAnEnvelope;
            }

            if (version != CurrentVersion)
            {
                throw EnvelopeErrors.UnsupportedVersion(version);
            }
        }

        if (data.Length < PrefixLength)
        {
            bytesNeeded = PrefixLength;
            return EnvelopeHeaderStatus.NeedMoreData;
        }

        uint length = BinaryPrimitives.ReadUInt32BigEndian(data[5..]);
        if (length is < MinLength or > MaxLength)
        {
            throw EnvelopeErrors.MalformedHeader($"header length {length} is outside {MinLength}..{MaxLength}");
        }

        bytesNeeded = (int)length;
        if (data.Length < bytesNeeded)
        {
            return EnvelopeHeaderStatus.NeedMoreData;
        }

        header = Parse(data[..bytesNeeded].ToArray());
        return EnvelopeHeaderStatus.Complete;
    }

    internal static void CheckDataKey(ReadOnlySpan<byte> dataKey)
    {
        if (dataKey.Length != DataKeyLength)
        {
            throw new KeyServiceException(KeyErrorKind.InvalidData, $"A data key must be {DataKeyLength} bytes, not {dataKey.Length}.");
        }
    }

    private static EnvelopeHeader Parse(byte[] bytes)
    {
        var reader = new Reader(bytes, VariableOffset, bytes.Length - CommitmentLength);
        string keyClass = reader.ShortString("key class");
        string keyId = reader.ShortString("key id");
        uint version = reader.UInt32("key version");
        if (version is 0 or > int.MaxValue)
        {
            throw EnvelopeErrors.MalformedHeader($"key version {version} is out of range");
        }

        int wrappedLength = reader.UInt16("wrapped key length");
        if (wrappedLength is 0 or > MaxWrappedKeyLength)
        {
            throw EnvelopeErrors.MalformedHeader($"wrapped key length {wrappedLength} is out of range");
        }

        ReadOnlyMemory<byte> wrappedKey = reader.Bytes(wrappedLength, "wrapped key").ToArray();
        int count = reader.UInt16("context count");
        if (count > EncryptionContext.MaxEntries)
        {
            throw EnvelopeErrors.MalformedHeader($"{count} context entries, more than {EncryptionContext.MaxEntries}");
        }

        var entries = new KeyValuePair<string, string>[count];
        for (int i = 0; i < count; i++)
        {
            string name = reader.LongString($"context entry {i} key");
            string value = reader.LongString($"context entry {i} value");
            entries[i] = new(name, value);
        }

        if (!reader.AtEnd)
        {
            throw EnvelopeErrors.MalformedHeader("unexpected bytes before the key commitment");
        }

        EncryptionContext context;
        try
        {
            context = EncryptionContext.Create(entries);
        }
        catch (ArgumentException e)
        {
            throw EnvelopeErrors.MalformedHeader($"invalid encryption context: {e.Message}");
        }

        return new EnvelopeHeader(bytes, new KeyReference(keyClass, keyId, (int)version), wrappedKey, context);
    }

    private static byte[] EncodeShort(string value, string parameter)
    {
        byte[] bytes = EncryptionContext.StrictUtf8.GetBytes(value);
        if (bytes.Length is 0 or > byte.MaxValue)
        {
            throw new ArgumentException($"Key class and key id must be 1 to {byte.MaxValue} UTF-8 bytes.", parameter);
        }

        return bytes;
    }

    /// <summary>Bounds-checked reader over the variable part of a header.</summary>
    private ref struct Reader(ReadOnlySpan<byte> bytes, int position, int end)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes[..end];
        private int _position = position;

        public readonly bool AtEnd => _position == _bytes.Length;

        public ReadOnlySpan<byte> Bytes(int count, string what)
        {
            if (_bytes.Length - _position < count)
            {
                throw EnvelopeErrors.MalformedHeader($"{what} is cut short");
            }

            var span = _bytes.Slice(_position, count);
            _position += count;
            return span;
        }

        public byte Byte(string what) => Bytes(1, what)[0];

        public ushort UInt16(string what) => BinaryPrimitives.ReadUInt16BigEndian(Bytes(2, what));

        public uint UInt32(string what) => BinaryPrimitives.ReadUInt32BigEndian(Bytes(4, what));

        public string ShortString(string what)
        {
            int length = Byte(what);
            if (length == 0)
            {
                throw EnvelopeErrors.MalformedHeader($"{what} is empty");
            }

            return Utf8(Bytes(length, what), what);
        }

        public string LongString(string what) => Utf8(Bytes(UInt16(what), what), what);

        private static string Utf8(ReadOnlySpan<byte> bytes, string what)
        {
            try
            {
                return EncryptionContext.StrictUtf8.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                throw EnvelopeErrors.MalformedHeader($"{what} is not valid UTF-8");
            }
        }
    }

    /// <summary>Minimal growable big-endian writer for building headers.</summary>
    private sealed class HeaderWriter
    {
        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);

        public void WriteByte(byte value) => _buffer.Write([value]);

        public void WriteUInt16(ushort value)
        {
            BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
            _buffer.Advance(2);
        }

        public void WriteUInt32(uint value)
        {
            BinaryPrimitives.WriteUInt32BigEndian(_buffer.GetSpan(4), value);
            _buffer.Advance(4);
        }

        public byte[] ToArray() => _buffer.WrittenSpan.ToArray();
    }
}

/// <summary>What <see cref="Envelope.TryReadHeader"/> found at the start of some data.</summary>
public enum EnvelopeHeaderStatus
{
    /// <summary>A whole, well-formed header (not yet authenticated: that needs the data key).</summary>
    Complete,

    /// <summary>The data starts like an envelope but the header is not complete yet.</summary>
    NeedMoreData,

    /// <summary>The data does not start with the envelope magic bytes followed by a reserved version byte.</summary>
    NotAnEnvelope,
}
