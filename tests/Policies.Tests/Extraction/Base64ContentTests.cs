using System.Text;
using MimeKit;
using Sovereignty.Policies.Extraction;

namespace Sovereignty.Policies.Tests.Extraction;

/// <summary>
/// Base64 parts are decoded in one piece (<see cref="Base64Content"/>): the bytes must be the
/// ones MimeKit's streaming decoder gives, and anything that is not strict base64 must be
/// left to that decoder.
/// </summary>
public sealed class Base64ContentTests
{
    [Theory]
    [InlineData(0, "\r\n")]
    [InlineData(1, "\r\n")]
    [InlineData(2, "\n")]
    [InlineData(3, "\r\n")]
    [InlineData(100_000, "\r\n")]
    [InlineData(100_001, "\n")]
    public void TryDecode_MimeBase64_SameBytesAsMimeKit(int length, string lineBreak)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", lineBreak, StringComparison.Ordinal) + lineBreak);
        var session = NewSession();

        var decoded = Base64Content.TryDecode(session, "attachment:a.bin", new MimeContent(new MemoryStream(encoded), ContentEncoding.Base64));

        Assert.NotNull(decoded);
        Assert.Equal(MimeKitDecode(encoded), decoded);
        Assert.Equal(data, decoded);
    }

    // Chunks of 1 to 9 bytes cut the input inside line breaks, quanta and the padding, so every
    // carry-over path of the chunked decoder is taken.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(9)]
    public void TryDecode_TinyChunks_SameBytesAsMimeKit(int chunkSize)
    {
        for (var length = 0; length < 40; length++)
        {
            var data = new byte[length];
            new Random(length).NextBytes(data);
            var base64 = Convert.ToBase64String(data);
            var encoded = Encoding.ASCII.GetBytes(string.Concat(base64.Chunk(7).Select(c => new string(c) + (c.Length % 2 == 0 ? "\r\n" : " \t\n"))));

            var decoded = Base64Content.TryDecode(NewSession(), "attachment:a.bin", new MimeContent(new MemoryStream(encoded), ContentEncoding.Base64), chunkSize);

            Assert.NotNull(decoded);
            Assert.Equal(MimeKitDecode(encoded), decoded);
            Assert.Equal(data, decoded);
        }
    }

    [Fact]
    public void TryDecode_Success_TakesExactlyDecodedLengthOfBudget()
    {
        var session = new ExtractionSession(ExtractionLimits.Default with { MaxTotalBytes = 1001 }, TimeProvider.System, CancellationToken.None);
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[1000], Base64FormattingOptions.InsertLineBreaks));

        Assert.Equal(1000, Base64Content.TryDecode(session, "attachment:a.bin", new MimeContent(new MemoryStream(encoded), ContentEncoding.Base64))?.Length);
        Assert.True(session.TryReserve(1));
        Assert.False(session.TryReserve(1));
    }

    [Theory]
    [InlineData("QUJD*REVG\r\n")]
    [InlineData("QUI=QUJD\r\n")]
    [InlineData("QUJD\r\nRA==\r\nQUJD\r\n")]
    [InlineData("QUJD===\r\n=")]
    [InlineData("QUJDREVG\r\n--junk--\r\n")]
    [InlineData("QUJDRA\r\n")]
    public void TryDecode_NotStrictBase64_LeftToStreamingDecoder(string encoded)
    {
        var session = NewSession();
        var content = new MimeContent(new MemoryStream(Encoding.ASCII.GetBytes(encoded)), ContentEncoding.Base64);
        Assert.Null(Base64Content.TryDecode(session, "attachment:a.bin", content));

        // Nothing of the byte budget stays taken: the streaming decoder gets all of it.
        Assert.True(session.TryReserve(session.Limits.MaxTotalBytes));
    }

    [Fact]
    public void TryDecode_LargerThanByteBudget_LeftToStreamingDecoder()
    {
        var session = new ExtractionSession(ExtractionLimits.Default with { MaxTotalBytes = 1000 }, TimeProvider.System, CancellationToken.None);
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(new byte[2000], Base64FormattingOptions.InsertLineBreaks));
        Assert.Null(Base64Content.TryDecode(session, "attachment:a.bin", new MimeContent(new MemoryStream(encoded), ContentEncoding.Base64)));
    }

    [Fact]
    public void TryDecode_QuotedPrintable_LeftToStreamingDecoder()
    {
        var content = new MimeContent(new MemoryStream("caf=C3=A9"u8.ToArray()), ContentEncoding.QuotedPrintable);
        Assert.Null(Base64Content.TryDecode(NewSession(), "body", content));
    }

    private static ExtractionSession NewSession() => new(ExtractionLimits.Default, TimeProvider.System, CancellationToken.None);

    private static byte[] MimeKitDecode(byte[] encoded)
    {
        using var output = new MemoryStream();
        new MimeContent(new MemoryStream(encoded), ContentEncoding.Base64).DecodeTo(output);
        return output.ToArray();
    }
}
