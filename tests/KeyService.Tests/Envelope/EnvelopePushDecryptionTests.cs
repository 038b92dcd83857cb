using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>
/// Push-mode decryption (what the document proxy uses): segments are decrypted in batches and
/// the next batch is read and decrypted while the previous one is still being written. These
/// tests use destinations whose writes finish late, so a batch buffer reused too early, or
/// plaintext written before its batch authenticated, shows up in what the destination got.
/// </summary>
public class EnvelopePushDecryptionTests
{
    private const int B = EnvelopeDecryptingStream.SegmentsPerBatch;

    // Three batches and a short last segment.
    private static readonly byte[] Original = Plaintext((((2 * B) + 2) * S) + 777, seed: 21);
    private static readonly byte[] Sealed = Encrypt(Original);
    private static readonly int HeaderLength = Header().Length;

    public static TheoryData<int> Sizes => new() { 0, 1, S, (B * S) - 1, B * S, (B * S) + 1, 2 * B * S, (2 * B * S) + 17, (((2 * B) + 1) * S) + 5 };

    public static TheoryData<long, long> Ranges => new()
    {
        { 0, Original.Length },                    // everything
        { S + 100, B * S },                        // across one batch boundary, starting inside a segment
        { (B - 1) * S, 2 },                        // across the first batch boundary, two bytes
        { (B * S) - 3, (B * S) + 6 },              // from the end of batch 0 past batch 1
        { 2 * B * S, Original.Length - (2 * B * S) }, // the last batch, to the end
        { Original.Length - 1, 1 },                // the last byte
    };

    private static int SegmentStart(int index) => HeaderLength + (index * EnvelopeLayout.CiphertextSegmentSize);

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task DecryptAsync_SizesAroundBatchEdgesToALateDestination_WritesThePlaintext(int size)
    {
        byte[] plaintext = Plaintext(size, seed: size);
        byte[] envelope = Encrypt(plaintext);
        using var input = new MemoryStream(envelope);
        var header = await Codec.ReadHeaderAsync(input, CancellationToken.None);
        var output = new LateWritingStream();

        await Codec.DecryptAsync(input, output, header, Dek, CancellationToken.None);

        Assert.Equal(plaintext, output.Written);
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task DecryptRangeAsync_RangeAcrossBatches_WritesExactlyThoseBytesFromOnlyTheTouchedSegments(long offset, long count)
    {
        using var decryptor = Codec.CreateDecryptor(await SealedHeaderAsync(), Dek);
        var (first, last) = EnvelopeLayout.CiphertextRange(offset, count, Original.Length, HeaderLength);
        // Exactly the segments the range touches, as a ranged response of the store carries them.
        var fetched = new MemoryStream(Sealed, (int)first, (int)(last - first + 1), writable: false);
        var output = new LateWritingStream();

        await decryptor.DecryptRangeAsync(fetched, Original.Length, offset, count, output, CancellationToken.None);

        Assert.Equal(Original.AsSpan((int)offset, (int)count).ToArray(), output.Written);
        Assert.Equal(fetched.Length, fetched.Position);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(B - 1)]
    [InlineData(B)]
    [InlineData(B + 1)]
    [InlineData((2 * B) + 2)]
    public async Task DecryptAsync_TamperedSegment_RefusesItAndWritesOnlyTheBatchesBeforeIt(int segment)
    {
        byte[] tampered = (byte[])Sealed.Clone();
        tampered[SegmentStart(segment) + 100] ^= 0x20;
        var output = new LateWritingStream();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => DecryptAsync(tampered, output));

        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains($"segment {segment}", error.Message, StringComparison.Ordinal);
        // The batch being written when the segment failed finished; the failing batch wrote nothing.
        Assert.Equal(Original[..(segment / B * B * S)], output.Written);
        Assert.Equal(0, output.WritesInFlight);
    }

    [Fact]
    public async Task DecryptAsync_TruncatedAtABatchBoundary_RefusesTheLastSegmentRead()
    {
        var output = new LateWritingStream();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() => DecryptAsync(Sealed[..SegmentStart(2 * B)], output));

        Assert.Contains($"segment {(2 * B) - 1} (the last one read) failed authentication", error.Message, StringComparison.Ordinal);
        Assert.Equal(Original[..(B * S)], output.Written);
    }

    [Fact]
    public async Task DecryptRangeAsync_FetchedBytesEndAtABatchBoundary_RefusesAsTruncated()
    {
        using var decryptor = Codec.CreateDecryptor(await SealedHeaderAsync(), Dek);
        // The range needs every segment; the store's answer stops after segment B - 1.
        var fetched = new MemoryStream(Sealed, HeaderLength, SegmentStart(B) - HeaderLength, writable: false);
        var output = new LateWritingStream();

        var error = await Assert.ThrowsAsync<KeyServiceException>(() =>
            decryptor.DecryptRangeAsync(fetched, Original.Length, 0, Original.Length, output, CancellationToken.None));

        Assert.Contains($"ends inside segment {B} (0 of {EnvelopeLayout.CiphertextSegmentSize} bytes)", error.Message, StringComparison.Ordinal);
        // Batch 0 authenticated and went out; the cut batch released nothing.
        Assert.Equal(Original[..(B * S)], output.Written);
    }

    [Fact]
    public async Task DecryptAsync_DestinationFailsWhileTheNextBatchIsDecrypted_ReportsTheDestinationsError()
    {
        var output = new LateWritingStream { FailAfterWrites = 1 };

        var error = await Assert.ThrowsAsync<IOException>(() => DecryptAsync(Sealed, output));

        Assert.Equal("client gone", error.Message);
        Assert.Equal(0, output.WritesInFlight);
    }

    [Fact]
    public async Task CopyAsync_AfterPullReads_WritesTheRestOnce()
    {
        using var input = new MemoryStream(Sealed);
        var header = await Codec.ReadHeaderAsync(input, CancellationToken.None);
        await using var plain = Codec.OpenDecryptingStream(input, header, Dek);
        byte[] start = new byte[1000];
        await plain.ReadExactlyAsync(start);
        var output = new LateWritingStream();

        await Codec.CopyAsync(plain, output, CancellationToken.None);

        Assert.Equal(Original[..1000], start);
        Assert.Equal(Original[1000..], output.Written);
    }

    private static Task<EnvelopeHeader> SealedHeaderAsync() => Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);

    private static async Task DecryptAsync(byte[] envelope, Stream output)
    {
        using var input = new MemoryStream(envelope);
        var header = await Codec.ReadHeaderAsync(input, CancellationToken.None);
        await Codec.DecryptAsync(input, output, header, Dek, CancellationToken.None);
    }

    /// <summary>
    /// A destination like a network response: each write completes later, and only then are its
    /// bytes taken from the caller's buffer (so a buffer reused before the write completed
    /// corrupts what was written).
    /// </summary>
    private sealed class LateWritingStream : Stream
    {
        private readonly MemoryStream _written = new();
        private int _inFlight;
        private int _writes;

        public int FailAfterWrites { get; init; } = int.MaxValue;

        public int WritesInFlight => Volatile.Read(ref _inFlight);

        public byte[] Written => _written.ToArray();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _inFlight);
            try
            {
                await Task.Delay(5, cancellationToken);
                if (++_writes > FailAfterWrites)
                {
                    throw new IOException("client gone");
                }

                _written.Write(buffer.Span);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Push mode writes asynchronously.");

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
