using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

public class EnvelopeRangeTests
{
    private static readonly byte[] Original = Plaintext((4 * S) + 321, seed: 5);
    private static readonly byte[] Sealed = Encrypt(Original);

    public static TheoryData<long, long> Ranges => new()
    {
        { 0, 1 },                          // first byte
        { Original.Length - 1, 1 },        // last byte
        { 0, Original.Length },            // everything
        { S - 1, 1 },                      // last byte of segment 0
        { S, 1 },                          // first byte of segment 1
        { S - 1, 2 },                      // across the 0|1 edge
        { S, S },                          // exactly segment 1
        { 10, (3 * S) + 5 },               // spanning four segments
        { 4 * S, 321 },                    // exactly the short last segment
        { (4 * S) - 10, 331 },             // across into the last segment, to the end
        { 12345, 0 },                      // empty range
    };

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task OpenRangeAsync_Range_ReturnsExactlyThoseBytesReadingOnlyTouchedSegments(long offset, long count)
    {
        var source = new RecordingSource(Sealed);
        var header = await Codec.ReadHeaderAsync(source, CancellationToken.None);
        source.Requests.Clear();
        source.BytesRead = 0;

        using var output = new MemoryStream();
        await Codec.DecryptRangeAsync(source, header, Dek, offset, count, output, CancellationToken.None);

        Assert.Equal(Original.AsSpan((int)offset, (int)count).ToArray(), output.ToArray());
        if (count == 0)
        {
            Assert.Empty(source.Requests);
            return;
        }

        long first = offset / S;
        long last = (offset + count - 1) / S;
        var request = Assert.Single(source.Requests);
        Assert.Equal(EnvelopeLayout.SegmentOffset(first, header.Length), request.Offset);
        long end = Math.Min(Sealed.Length, EnvelopeLayout.SegmentOffset(last + 1, header.Length));
        Assert.Equal(end - request.Offset, request.Count);
        Assert.Equal(request.Count, source.BytesRead);
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public async Task EnvelopeDecryptor_RangeFromCiphertextRange_ReturnsExactlyThoseBytes(long offset, long count)
    {
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);
        using var decryptor = Codec.CreateDecryptor(header, Dek);
        using var output = new MemoryStream();
        if (count == 0)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => EnvelopeLayout.CiphertextRange(offset, count, Original.Length, header.Length));
            return;
        }

        var (first, last) = EnvelopeLayout.CiphertextRange(offset, count, Original.Length, header.Length);
        // Exactly the fetched bytes, as an HTTP Range response would carry them.
        var fetched = new MemoryStream(Sealed, (int)first, (int)(last - first + 1), writable: false);
        await decryptor.DecryptRangeAsync(fetched, Original.Length, offset, count, output, CancellationToken.None);
        Assert.Equal(Original.AsSpan((int)offset, (int)count).ToArray(), output.ToArray());
        Assert.Equal(fetched.Length, fetched.Position);
    }

    [Fact]
    public async Task CreateDecryptor_WrongDataKey_RefusesByCommitment()
    {
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);
        var error = Assert.Throws<KeyServiceException>(() => Codec.CreateDecryptor(header, OtherDek));
        Assert.Contains("key commitment mismatch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRangeAsync_EmptyEnvelope_GivesEmptyRangeAndRefusesAnyByte()
    {
        byte[] sealedEmpty = Encrypt([]);
        var source = new MemoryCiphertextSource(sealedEmpty);
        var header = await Codec.ReadHeaderAsync(source, CancellationToken.None);
        using var output = new MemoryStream();
        await Codec.DecryptRangeAsync(source, header, Dek, 0, 0, output, CancellationToken.None);
        Assert.Equal(0, output.Length);
        // Argument checks throw at once, before any task is returned.
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Codec.DecryptRangeAsync(source, header, Dek, 0, 1, output, CancellationToken.None); });
    }

    [Theory]
    [InlineData(-1, 1)]
    [InlineData(0, -1)]
    [InlineData(0, (4 * S) + 322)]
    [InlineData((4 * S) + 321, 1)]
    public async Task OpenRangeAsync_RangeOutsidePlaintext_Throws(long offset, long count)
    {
        var source = new MemoryCiphertextSource(Sealed);
        var header = await Codec.ReadHeaderAsync(source, CancellationToken.None);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = Codec.OpenRangeAsync(source, header, Dek, offset, count, CancellationToken.None); });
    }

    [Fact]
    public async Task OpenRangeAsync_TamperedSegmentOutsideRange_StillServesTheRange()
    {
        byte[] tampered = (byte[])Sealed.Clone();
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(tampered), CancellationToken.None);
        tampered[(int)EnvelopeLayout.SegmentOffset(3, header.Length) + 5] ^= 1;
        using var output = new MemoryStream();
        await Codec.DecryptRangeAsync(new MemoryCiphertextSource(tampered), header, Dek, S, S, output, CancellationToken.None);
        Assert.Equal(Original.AsSpan(S, S).ToArray(), output.ToArray());
    }

    [Fact]
    public async Task OpenRangeAsync_TamperedSegmentInsideRange_RefusesAndReleasesOnlyEarlierSegments()
    {
        byte[] tampered = (byte[])Sealed.Clone();
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(tampered), CancellationToken.None);
        tampered[(int)EnvelopeLayout.SegmentOffset(2, header.Length) + 5] ^= 1;
        var stream = await Codec.OpenRangeAsync(new MemoryCiphertextSource(tampered), header, Dek, S + 100, 2 * S, CancellationToken.None);
        using var output = new MemoryStream();
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => stream.CopyToAsync(output));
        Assert.Contains("segment 2", error.Message, StringComparison.Ordinal);
        Assert.Equal(Original.AsSpan(S + 100, S - 100).ToArray(), output.ToArray());
    }

    [Fact]
    public async Task OpenRangeAsync_LastSegmentOfTruncatedEnvelope_Refuses()
    {
        // Cut one whole segment: the length is still valid, so segment 3 is read as the last one.
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);
        byte[] truncated = Sealed[..(int)EnvelopeLayout.SegmentOffset(4, header.Length)];
        var stream = await Codec.OpenRangeAsync(new MemoryCiphertextSource(truncated), header, Dek, (3 * S) + 10, 10, CancellationToken.None);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("segment 3 (the last one read)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRangeAsync_SourceShorterThanItsLength_RefusesAsTruncated()
    {
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);
        var lying = new RecordingSource(Sealed, shortBy: 100);
        var stream = await Codec.OpenRangeAsync(lying, header, Dek, 4 * S, 321, CancellationToken.None);
        var error = await Assert.ThrowsAsync<KeyServiceException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Contains("ends inside segment 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRangeAsync_InvalidEnvelopeLength_Refuses()
    {
        var header = await Codec.ReadHeaderAsync(new MemoryCiphertextSource(Sealed), CancellationToken.None);
        // A last segment shorter than a tag: no plaintext length gives this envelope length.
        byte[] cut = Sealed[..((int)EnvelopeLayout.SegmentOffset(4, header.Length) + 5)];
        var error = Assert.Throws<KeyServiceException>(() => { _ = Codec.OpenRangeAsync(new MemoryCiphertextSource(cut), header, Dek, 0, 1, CancellationToken.None); });
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
    }

    /// <summary>Serves ranges from memory and records what was asked and read.</summary>
    private sealed class RecordingSource(byte[] envelope, int shortBy = 0) : ICiphertextSource
    {
        public List<(long Offset, long Count)> Requests { get; } = [];

        public long BytesRead { get; set; }

        public long Length => envelope.Length;

        public ValueTask<Stream> OpenReadAsync(long offset, long count, CancellationToken cancellationToken)
        {
            Requests.Add((offset, count));
            int length = (int)Math.Min(count, envelope.Length - offset) - shortBy;
            return ValueTask.FromResult<Stream>(new CountingStream(new MemoryStream(envelope, (int)offset, length), n => BytesRead += n));
        }
    }

    private sealed class CountingStream(Stream inner, Action<int> onRead) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = inner.Read(buffer, offset, count);
            onRead(n);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            onRead(n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
