using Sovereignty.KeyService.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

public class EnvelopeLayoutTests
{
    private const int S = EnvelopeLayout.SegmentSize;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(S - 1, 1)]
    [InlineData(S, 1)]
    [InlineData(S + 1, 2)]
    [InlineData(3L * S, 3)]
    [InlineData((3L * S) + 7, 4)]
    public void SegmentCount_PlaintextLength_CountsSegments(long plaintext, long expected)
    {
        Assert.Equal(expected, EnvelopeLayout.SegmentCount(plaintext));
    }

    [Fact]
    public void CiphertextLength_ManySizes_InvertsExactly()
    {
        var random = new Random(7);
        var sizes = new List<long> { 0, 1, 15, 16, 17, S - 1, S, S + 1, (2L * S) - 1, 2L * S, (2L * S) + 1, 5L << 30, EnvelopeLayout.MaxPlaintextLength };
        for (int i = 0; i < 2000; i++)
        {
            sizes.Add(random.NextInt64(0, 1L << 40));
        }

        foreach (int header in new[] { 1, 98, 200, EnvelopeHeader.MaxLength })
        {
            foreach (long plain in sizes)
            {
                long cipher = EnvelopeLayout.CiphertextLength(plain, header);
                Assert.Equal(header + plain + (16 * EnvelopeLayout.SegmentCount(plain)), cipher);
                Assert.True(EnvelopeLayout.TryGetPlaintextLength(cipher, header, out long back), $"P={plain} H={header}");
                Assert.Equal(plain, back);
            }
        }
    }

    [Fact]
    public void TryGetPlaintextLength_EveryLengthNearBoundaries_IsValidOnlyForImagesOfTheForwardFunction()
    {
        const int header = 100;
        var images = new HashSet<long>();
        for (long p = 0; p <= (3L * S) + 40; p++)
        {
            images.Add(EnvelopeLayout.CiphertextLength(p, header));
        }

        for (long c = 0; c <= EnvelopeLayout.CiphertextLength(3L * S, header) + 40; c++)
        {
            bool valid = EnvelopeLayout.TryGetPlaintextLength(c, header, out long p);
            Assert.Equal(images.Contains(c), valid);
            if (valid)
            {
                Assert.Equal(c, EnvelopeLayout.CiphertextLength(p, header));
            }
        }
    }

    [Fact]
    public void TryGetPlaintextLength_BeyondMaxSegments_ReturnsFalse()
    {
        long tooLong = EnvelopeLayout.CiphertextLength(EnvelopeLayout.MaxPlaintextLength, 100) + 17;
        Assert.False(EnvelopeLayout.TryGetPlaintextLength(tooLong, 100, out _));
    }

    [Fact]
    public void SegmentPlaintextLength_LastSegment_HoldsTheRest()
    {
        Assert.Equal(S, EnvelopeLayout.SegmentPlaintextLength(0, S + 5));
        Assert.Equal(5, EnvelopeLayout.SegmentPlaintextLength(1, S + 5));
        Assert.Equal(0, EnvelopeLayout.SegmentPlaintextLength(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => EnvelopeLayout.SegmentPlaintextLength(2, S + 5));
    }
}
