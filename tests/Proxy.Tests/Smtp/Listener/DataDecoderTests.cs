using System.Buffers;
using System.Text;
using Sovereignty.Proxy.Smtp.Listener;

namespace Sovereignty.Proxy.Tests.Smtp.Listener;

public sealed class DataDecoderTests
{
    private static DataDecoder NewDecoder(long maxSize = 1_000_000, int maxLine = 1000, int maxHeader = 64 * 1024) => new(maxSize, maxLine, maxHeader, 0);

    [Fact]
    public void Feed_ByteByByte_EndsAtCrLfDotCrLfAndUnstuffsDots()
    {
        using var decoder = NewDecoder();
        var wire = Encoding.ASCII.GetBytes("Subject: x\r\n\r\n..dot\r\n.x\r\nlast\r\n.\r\nNEXT COMMAND\r\n");
        var consumed = 0;
        while (!decoder.IsComplete)
        {
            consumed += decoder.Feed(wire.AsSpan(consumed, 1));
        }

        Assert.Equal(DataViolation.None, decoder.Violations);
        Assert.Equal("Subject: x\r\n\r\n.dot\r\nx\r\nlast\r\n", Encoding.ASCII.GetString(decoder.Message.Sequence.ToArray()));
        Assert.Equal("NEXT COMMAND\r\n", Encoding.ASCII.GetString(wire, consumed, wire.Length - consumed));
    }

    [Fact]
    public void Feed_EmptyMessage_CompletesEmpty()
    {
        using var decoder = NewDecoder();
        var consumed = decoder.Feed(".\r\n"u8);

        Assert.True(decoder.IsComplete);
        Assert.Equal(3, consumed);
        Assert.Equal(0, decoder.Message.Length);
    }

    [Theory]
    [InlineData("a\n.\r\nMAIL FROM:<x>\r\n.\r\n")]
    [InlineData("a\r.\nMAIL FROM:<x>\r\n.\r\n")]
    [InlineData("a\r\n.\nMAIL FROM:<x>\r\n.\r\n")]
    [InlineData("a\n.\nMAIL FROM:<x>\r\n.\r\n")]
    [InlineData("a\r\n.\rMAIL FROM:<x>\r\n.\r\n")]
    public void Feed_SmugglingEnding_DoesNotEndDataEarlyAndIsFlagged(string wire)
    {
        using var decoder = NewDecoder();
        var bytes = Encoding.ASCII.GetBytes(wire);
        var consumed = decoder.Feed(bytes);

        Assert.True(decoder.IsComplete);
        Assert.Equal(bytes.Length, consumed); // only the final CRLF.CRLF ended it
        Assert.True(decoder.Violations.HasFlag(DataViolation.BareLineEnding));
        Assert.Equal(0, decoder.Message.Length); // nothing of a refused message is kept
    }

    [Fact]
    public void Feed_OverSizeLimit_FlaggedTooLarge()
    {
        using var decoder = NewDecoder(maxSize: 10);
        decoder.Feed("0123456789AB\r\n.\r\n"u8);

        Assert.True(decoder.IsComplete);
        Assert.True(decoder.Violations.HasFlag(DataViolation.TooLarge));
    }

    [Fact]
    public void Feed_LineAtLimit_AcceptedOneByteMore_Flagged()
    {
        using var ok = NewDecoder(maxLine: 1000);
        ok.Feed(Encoding.ASCII.GetBytes(new string('a', 998) + "\r\n.\r\n"));
        using var tooLong = NewDecoder(maxLine: 1000);
        tooLong.Feed(Encoding.ASCII.GetBytes(new string('a', 999) + "\r\n.\r\n"));

        Assert.Equal(DataViolation.None, ok.Violations);
        Assert.Equal(DataViolation.LineTooLong, tooLong.Violations);
    }

    [Fact]
    public void Feed_HeaderSectionOverLimit_FlaggedButBodyIsNotCounted()
    {
        using var big = NewDecoder(maxHeader: 100);
        big.Feed(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("X-H: 0123456789\r\n", 10)) + "\r\nbody\r\n.\r\n"));
        using var bigBody = NewDecoder(maxHeader: 100);
        bigBody.Feed(Encoding.ASCII.GetBytes("X-H: 1\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789\r\n", 50)) + ".\r\n"));

        Assert.Equal(DataViolation.HeaderTooLarge, big.Violations);
        Assert.Equal(DataViolation.None, bigBody.Violations);
    }
}
