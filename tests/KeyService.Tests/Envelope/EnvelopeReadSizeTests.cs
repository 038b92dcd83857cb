using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

/// <summary>
/// How much each read of the encrypting stream hands out. A proxy copies the envelope upstream
/// with a 64 KiB buffer (YARP), and a ciphertext segment is 16 bytes longer: reads that stopped
/// at each segment's end came out as 64 KiB, 16 bytes, 64 KiB, 16 bytes…, and HttpClient split
/// every write after such a tail in two (two system calls and packets per segment upstream).
/// </summary>
public class EnvelopeReadSizeTests
{
    private const int CopyBuffer = 64 * 1024;

    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData((5 * S) + 777)]
    public async Task ReadAsync_64KiBBuffer_EveryReadButTheLastIsFull_AndTheEnvelopeDecrypts(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        await using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), header, Dek);

        (List<int> reads, byte[] envelope) = await ReadAllAsync(encrypting);

        Assert.All(reads.SkipLast(1), read => Assert.Equal(CopyBuffer, read));
        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
        Assert.Equal(plaintext, Decrypt(envelope));
    }

    [Fact]
    public void Read_Synchronous_64KiBBuffer_EveryReadButTheLastIsFull()
    {
        byte[] plaintext = Plaintext((3 * S) + 5);
        using var encrypting = Codec.OpenEncryptingStream(new MemoryStream(plaintext), Header(), Dek);
        var reads = new List<int>();
        using var envelope = new MemoryStream();
        var buffer = new byte[CopyBuffer];
        int read;
        while ((read = encrypting.Read(buffer, 0, buffer.Length)) > 0)
        {
            reads.Add(read);
            envelope.Write(buffer, 0, read);
        }

        Assert.All(reads.SkipLast(1), r => Assert.Equal(CopyBuffer, r));
        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public async Task ReadAsync_SourceInSmallPieces_StillFullReads_AndTheEnvelopeDecrypts()
    {
        // A request body arrives from the network in pieces; the tail of a segment waits for the next one.
        byte[] plaintext = Plaintext((4 * S) + 12345);
        await using var encrypting = Codec.OpenEncryptingStream(new TrickleStream(plaintext, 1500), Header(), Dek);

        (List<int> reads, byte[] envelope) = await ReadAllAsync(encrypting);

        Assert.All(reads.SkipLast(1), read => Assert.Equal(CopyBuffer, read));
        Assert.Equal(plaintext, Decrypt(envelope));
    }

    private static async Task<(List<int> Reads, byte[] Envelope)> ReadAllAsync(Stream encrypting)
    {
        var reads = new List<int>();
        using var envelope = new MemoryStream();
        var buffer = new byte[CopyBuffer];
        int read;
        while ((read = await encrypting.ReadAsync(buffer)) > 0)
        {
            reads.Add(read);
            envelope.Write(buffer, 0, read);
        }

        return (reads, envelope.ToArray());
    }

    /// <summary>Hands out at most <c>piece</c> bytes per read, as a socket does.</summary>
    private sealed class TrickleStream(byte[] content, int piece) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);
    }
}
