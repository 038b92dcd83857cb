using Sovereignty.KeyService.Envelope;
using static Sovereignty.KeyService.Tests.Envelope.EnvelopeTestData;
using Codec = Sovereignty.KeyService.Envelope.Envelope;

namespace Sovereignty.KeyService.Tests.Envelope;

public class EnvelopeRoundTripTests
{
    /// <summary>The encrypting stream's first buffer: bodies around it end in it, or make it grow.</summary>
    private const int I = EnvelopeEncryptingStream.InitialBufferSize;

    public static TheoryData<int> Sizes => new() { 0, 1, I - 2, I - 1, I, I + 1, S - 1, S, S + 1, (2 * S) - 1, 2 * S, (3 * S) + 12345 };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task EncryptAsync_ThenDecryptAsync_ReturnsPlaintextAndExpectedLength(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        using var envelope = new MemoryStream();
        await Codec.EncryptAsync(new MemoryStream(plaintext), envelope, header, Dek, CancellationToken.None);

        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
        Assert.Equal(size, header.GetPlaintextLength(envelope.Length));

        envelope.Position = 0;
        var read = await Codec.ReadHeaderAsync(envelope, CancellationToken.None);
        using var output = new MemoryStream();
        await Codec.DecryptAsync(envelope, output, read, Dek, CancellationToken.None);
        Assert.Equal(plaintext, output.ToArray());
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task OpenEncryptingStream_ReadInOddChunks_MatchesPushEncryptionLayoutAndDecrypts(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        using var envelope = new MemoryStream();
        await using (var encrypting = Codec.OpenEncryptingStream(new TrickleStream(plaintext, 1000), header, Dek))
        {
            var buffer = new byte[7777];
            int read;
            while (true)
            {
                // Zero-byte reads (as YARP issues) must not end the stream.
                Assert.Equal(0, await encrypting.ReadAsync(Memory<byte>.Empty));
                if ((read = await encrypting.ReadAsync(buffer)) == 0)
                {
                    break;
                }

                envelope.Write(buffer, 0, read);
            }
        }

        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task CreateWriteStream_WritesInOddChunks_Decrypts(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        using var envelope = new MemoryStream();
        await using (var writer = Codec.CreateWriteStream(envelope, header, Dek, leaveOpen: true))
        {
            for (int offset = 0; offset < size; offset += 5000)
            {
                await writer.WriteAsync(plaintext.AsMemory(offset, Math.Min(5000, size - offset)));
            }

            await writer.CompleteAsync(CancellationToken.None);
        }

        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public async Task CreateWriteStream_DisposedWithoutComplete_LeavesAnEnvelopeReadersRefuse()
    {
        byte[] plaintext = Plaintext((2 * S) + 10);
        using var envelope = new MemoryStream();
        await using (var writer = Codec.CreateWriteStream(envelope, Header(), Dek, leaveOpen: true))
        {
            await writer.WriteAsync(plaintext);
        }

        var (released, error) = DecryptCollecting(envelope.ToArray());
        Assert.NotNull(error);
        Assert.Equal(KeyErrorKind.InvalidData, error.Kind);
        Assert.True(released.Length < plaintext.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(I + 1)]
    public async Task OpenEncryptingStream_SmallObjectAndRoomyRead_WholeEnvelopeInOneRead(int size)
    {
        // A proxy forwards each read as one write upstream: header and segment belong together.
        byte[] plaintext = Plaintext(size);
        var header = Header();
        await using var encrypting = Codec.OpenEncryptingStream(new TrickleStream(plaintext, 1000), header, Dek);
        var buffer = new byte[64 * 1024];

        int first = await encrypting.ReadAsync(buffer);

        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), first);
        Assert.Equal(0, await encrypting.ReadAsync(buffer.AsMemory(first)));
        Assert.Equal(plaintext, Decrypt(buffer[..first]));
    }

    [Fact]
    public async Task OpenEncryptingStream_ReadSmallerThanHeader_GivesHeaderBytesFirstWithoutReadingTheSource()
    {
        var header = Header();
        var source = new TrickleStream(Plaintext(100), 1000);
        await using var encrypting = Codec.OpenEncryptingStream(source, header, Dek);
        var first = new byte[header.Length];

        Assert.Equal(header.Length, await encrypting.ReadAsync(first));
        Assert.Equal(0, source.Position);
        Assert.Equal(header.Bytes.ToArray(), first);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void OpenEncryptingStream_SyncReads_ProduceTheSameLayout(int size)
    {
        byte[] plaintext = Plaintext(size);
        var header = Header();
        using var encrypting = Codec.OpenEncryptingStream(new TrickleStream(plaintext, 3000), header, Dek);
        using var envelope = new MemoryStream();
        encrypting.CopyTo(envelope, 1234);
        Assert.Equal(EnvelopeLayout.CiphertextLength(size, header.Length), envelope.Length);
        Assert.Equal(plaintext, Decrypt(envelope.ToArray()));
    }

    [Fact]
    public void Encrypt_RandomSizes_RoundTrip()
    {
        var random = new Random(42);
        for (int i = 0; i < 25; i++)
        {
            int size = random.Next(0, 5 * S);
            byte[] plaintext = Plaintext(size, seed: i);
            byte[] envelope = Encrypt(plaintext);
            Assert.Equal(plaintext, Decrypt(envelope));
        }
    }

    [Fact]
    public void Encrypt_SamePlaintextTwice_GivesDifferentEnvelopes()
    {
        byte[] plaintext = Plaintext(100);
        Assert.NotEqual(Encrypt(plaintext), Encrypt(plaintext));
    }

    [Fact]
    public async Task OpenDecryptingStream_ZeroByteReadsMidStream_DoNotEndTheStream()
    {
        byte[] plaintext = Plaintext(S + 100);
        byte[] envelope = Encrypt(plaintext);
        using var input = new MemoryStream(envelope);
        var header = await Codec.ReadHeaderAsync(input, CancellationToken.None);
        await using var decrypting = Codec.OpenDecryptingStream(new TrickleStream(envelope[header.Length..], 3000), header, Dek);
        using var output = new MemoryStream();
        var buffer = new byte[1000];
        int read;
        while (true)
        {
            Assert.Equal(0, await decrypting.ReadAsync(Memory<byte>.Empty));
            if ((read = await decrypting.ReadAsync(buffer)) == 0)
            {
                break;
            }

            output.Write(buffer, 0, read);
        }

        Assert.Equal(plaintext, output.ToArray());
    }

    /// <summary>A source that returns at most <c>chunk</c> bytes per read, like a network body.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
