using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>
/// Every modification is refused, and what was released before the refusal is exactly the
/// authentic plaintext of the segments before the failing one.
/// </summary>
public class EnvelopeTamperTests
{
    private static readonly byte[] Original = Plaintext((3 * S) + 1000, seed: 9);
    private static readonly byte[] Sealed = Encrypt(Original);
    private static readonly int HeaderLength = Header().Length;

    private static int SegmentStart(int index) => HeaderLength + (index * EnvelopeLayout.CiphertextSegmentSize);

    private static byte[] Segment(byte[] envelope, int index)
    {
        int start = SegmentStart(index);
        int end = Math.Min(envelope.Length, start + EnvelopeLayout.CiphertextSegmentSize);
        return envelope[start..end];
    }

    /// <summary>Decrypts and checks the refusal names the failing segment and releases nothing from it.</summary>
    private static KeyServiceException AssertRefused(byte[] tampered, int failingSegment, string messagePart)
    {
        var (released, error) = DecryptCollecting(tampered);
        Assert.NotNull(error);
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        Assert.Equal(Original[..(failingSegment * S)], released);
        return error;
    }

    [Fact]
    public void Decrypt_TruncatedAtSegmentBoundary_RefusesLastRemainingSegment()
    {
        AssertRefused(Sealed[..SegmentStart(3)], failingSegment: 2, "segment 2 (the last one read) failed authentication");
    }

    [Fact]
    public void Decrypt_TruncatedMidSegment_RefusesThatSegment()
    {
        AssertRefused(Sealed[..(SegmentStart(1) + 500)], failingSegment: 1, "segment 1");
        AssertRefused(Sealed[..(Sealed.Length - 1)], failingSegment: 3, "segment 3");
    }

    [Fact]
    public void Decrypt_TruncatedRightAfterHeader_RefusesWithNoSegment()
    {
        AssertRefused(Sealed[..HeaderLength], failingSegment: 0, "no segment");
    }

    [Fact]
    public void Decrypt_TruncatedInsideTheHeader_RefusesTheHeader()
    {
        AssertRefused(Sealed[..(HeaderLength - 1)], failingSegment: 0, "header is cut off");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(EnvelopeLayout.CiphertextSegmentSize)]
    public void Decrypt_Extended_RefusesTheFormerLastSegment(int extra)
    {
        byte[] extended = [.. Sealed, .. new byte[extra]];
        AssertRefused(extended, failingSegment: 3, "segment 3");
    }

    [Fact]
    public void Decrypt_ExtendedWithACopyOfASegment_Refuses()
    {
        byte[] extended = [.. Sealed, .. Segment(Sealed, 1)];
        AssertRefused(extended, failingSegment: 3, "segment 3");
    }

    [Fact]
    public void Decrypt_TwoSegmentsSwapped_RefusesTheFirstMovedSegment()
    {
        byte[] swapped = [.. Sealed[..SegmentStart(0)], .. Segment(Sealed, 1), .. Segment(Sealed, 0), .. Sealed[SegmentStart(2)..]];
        AssertRefused(swapped, failingSegment: 0, "segment 0 failed authentication");
    }

    [Fact]
    public void Decrypt_SegmentDuplicated_RefusesTheDuplicate()
    {
        byte[] duplicated = [.. Sealed[..SegmentStart(2)], .. Segment(Sealed, 1), .. Sealed[SegmentStart(2)..]];
        AssertRefused(duplicated, failingSegment: 2, "segment 2");
    }

    [Fact]
    public void Decrypt_SegmentReplacedByTheSameIndexOfAnotherEnvelopeUnderTheSameKey_Refuses()
    {
        // Same data key, other salt and nonce prefix: segment keys and nonces differ.
        byte[] other = Encrypt(Original);
        byte[] spliced = [.. Sealed[..SegmentStart(1)], .. Segment(other, 1), .. Sealed[SegmentStart(2)..]];
        AssertRefused(spliced, failingSegment: 1, "segment 1");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Decrypt_BitFlippedInSegmentBodyOrTag_RefusesThatSegment(int segment)
    {
        int start = SegmentStart(segment);
        int length = Segment(Sealed, segment).Length;
        foreach (int offset in new[] { 0, length / 2, length - 17, length - 16, length - 1 })
        {
            byte[] flipped = (byte[])Sealed.Clone();
            flipped[start + offset] ^= 0x01;
            AssertRefused(flipped, segment, $"segment {segment}");
        }
    }

    [Fact]
    public void Decrypt_BitFlippedAnywhereInTheHeader_RefusesBeforeReleasingAnything()
    {
        for (int position = 0; position < HeaderLength; position++)
        {
            foreach (byte mask in new byte[] { 0x01, 0x80 })
            {
                byte[] flipped = (byte[])Sealed.Clone();
                flipped[position] ^= mask;
                var (released, error) = DecryptCollecting(flipped);
                Assert.True(error is not null, $"flip at header byte {position} mask {mask:x2} was not detected");
                Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
                Assert.Empty(released);
            }
        }
    }

    [Fact]
    public void Decrypt_HeaderFromAnotherObjectWithItsOwnKey_RefusesSegmentZero()
    {
        // The other header is authentic for its own data key, but does not match this body.
        byte[] other = Encrypt(Plaintext(Original.Length, seed: 2), dek: OtherDek);
        byte[] moved = [.. other[..HeaderLength], .. Sealed[HeaderLength..]];
        var (released, error) = DecryptCollecting(moved, OtherDek);
        Assert.NotNull(error);
        Assert.Contains("segment 0", error.Message, StringComparison.Ordinal);
        Assert.Empty(released);
    }

    [Fact]
    public void Decrypt_HeaderFromAnotherObjectUnderTheSameKey_RefusesSegmentZero()
    {
        byte[] other = Encrypt(Plaintext(Original.Length, seed: 3));
        byte[] moved = [.. other[..HeaderLength], .. Sealed[HeaderLength..]];
        var (released, error) = DecryptCollecting(moved);
        Assert.NotNull(error);
        Assert.Contains("segment 0", error.Message, StringComparison.Ordinal);
        Assert.Empty(released);
    }

    [Fact]
    public void Decrypt_WrongDataKey_RefusesByCommitment()
    {
        var (released, error) = DecryptCollecting(Sealed, OtherDek);
        Assert.NotNull(error);
        Assert.Contains("key commitment mismatch", error.Message, StringComparison.Ordinal);
        Assert.Empty(released);
    }

    [Fact]
    public async Task Decrypt_ContextRewrittenInHeader_RefusesByCommitment()
    {
        // Rebuild the header with another context but the original salt, nonce prefix and commitment.
        using var input = new MemoryStream(Sealed);
        var header = await KeyService.Envelope.Envelope.ReadHeaderAsync(input, CancellationToken.None);
        var forged = EnvelopeHeader.Create(
            header.Key, header.WrappedKey, EncryptionContext.Parse(["object=/sites/public/x.pdf", "label=public", "policy=3f2a"]),
            Dek, header.Salt, header.NoncePrefix);
        byte[] forgedBytes = forged.Bytes.ToArray();
        header.Commitment.CopyTo(forgedBytes.AsSpan(forgedBytes.Length - 32));
        byte[] tampered = [.. forgedBytes, .. Sealed[HeaderLength..]];

        var (released, error) = DecryptCollecting(tampered);
        Assert.NotNull(error);
        Assert.Contains("key commitment mismatch", error.Message, StringComparison.Ordinal);
        Assert.Empty(released);
    }

    [Fact]
    public void Decrypt_LastSegmentSealedWithoutLastFlag_Refuses()
    {
        // What a writer that stopped half-way would leave: every segment flagged "not last".
        byte[] forged = Forge(Original, lastFlagAt: -1);
        AssertRefused(forged, failingSegment: 3, "segment 3 (the last one read)");
    }

    [Fact]
    public void Decrypt_EarlySegmentSealedWithLastFlag_RefusesIt()
    {
        // A last-flag forgery in the middle: segment 1 claims to be the end, more follows.
        byte[] forged = Forge(Original, lastFlagAt: 1);
        AssertRefused(forged, failingSegment: 1, "segment 1");
    }

    [Fact]
    public void Decrypt_SegmentFlaggedLastPresentedAfterTruncation_IsAcceptedOnlyWhenItReallyIsLast()
    {
        // Control for the forgeries above: the same forge routine with the flag on the true last segment decrypts.
        Assert.Equal(Original, Decrypt(Forge(Original, lastFlagAt: 3)));
    }

    /// <summary>Builds an envelope segment by segment with the last flag set only on <paramref name="lastFlagAt"/>.</summary>
    private static byte[] Forge(byte[] plaintext, int lastFlagAt)
    {
        var header = Header();
        using var cipher = EnvelopeKeySchedule.Open(Dek, header);
        using var output = new MemoryStream();
        output.Write(header.Bytes.Span);
        int segments = (int)EnvelopeLayout.SegmentCount(plaintext.Length);
        for (int i = 0; i < segments; i++)
        {
            int length = EnvelopeLayout.SegmentPlaintextLength(i, plaintext.Length);
            var buffer = new byte[length + 16];
            cipher.Encrypt(i, i == lastFlagAt, plaintext.AsSpan(i * S, length), buffer);
            output.Write(buffer);
        }

        return output.ToArray();
    }
}
