using Sovereignty.Policies.Extraction;

namespace Sovereignty.Policies.Tests.Extraction;

public sealed class PooledBytesTests
{
    [Fact]
    public void Write_BeyondCapacity_KeepsEveryByteInOrder()
    {
        var expected = new byte[100_000];
        new Random(5).NextBytes(expected);
        using var bytes = new PooledBytes(capacity: 10);

        for (var offset = 0; offset < expected.Length; offset += 777)
        {
            bytes.Write(expected.AsSpan(offset, Math.Min(777, expected.Length - offset)));
        }

        Assert.Equal(expected.Length, bytes.Length);
        Assert.Equal(expected, bytes.Segment.ToArray());
    }

    [Fact]
    public void Write_LargerThanPooledArrays_KeepsEveryByte()
    {
        var expected = new byte[PooledBytes.MaxPooledLength + 1000];
        new Random(6).NextBytes(expected);
        using var bytes = new PooledBytes(capacity: 1000);

        bytes.Write(expected.AsSpan(0, 1000));
        bytes.Write(expected.AsSpan(1000));

        Assert.Equal(expected.Length, bytes.Length);
        Assert.True(expected.AsSpan().SequenceEqual(bytes.Segment));
    }

    [Fact]
    public void Write_AfterDispose_Throws()
    {
        var bytes = new PooledBytes(capacity: 10);
        bytes.Dispose();
        Assert.Throws<ObjectDisposedException>(() => bytes.Write([1, 2, 3]));
    }
}
