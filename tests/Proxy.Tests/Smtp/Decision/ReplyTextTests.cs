using Sovereignty.Proxy.Smtp.Decision;

namespace Sovereignty.Proxy.Tests.Smtp.Decision;

public sealed class ReplyTextTests
{
    [Fact]
    public void Sanitize_FrenchReasonOnSeveralLines_OneAsciiLineWithAccentsFolded()
    {
        var text = ReplyText.Sanitize("Information classifiée :\r\n  « Très Secret » — interdite\tsur la messagerie… Œuvre");

        Assert.Equal("Information classifiee : \" Tres Secret \" - interdite sur la messagerie. Ouvre", text);
    }

    [Fact]
    public void Sanitize_CharactersWithoutAsciiForm_ReplacedByQuestionMark()
    {
        // The emoji is a surrogate pair: two UTF-16 units, two question marks.
        Assert.Equal("? ?? ok", ReplyText.Sanitize("\u4E2D \U0001F600 ok"));
    }

    [Fact]
    public void Sanitize_VeryLongReason_CutWithEllipsisWithinLimit()
    {
        var text = ReplyText.Sanitize(new string('x', 5000));

        Assert.Equal(ReplyText.MaxLength, text.Length);
        Assert.EndsWith("...", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitize_ControlCharactersAndSmugglingAttempt_NeverLeaveALineBreak()
    {
        var text = ReplyText.Sanitize("reason\r\n250 2.0.0 fake\u0000end");

        Assert.Equal("reason 250 2.0.0 fake end", text);
    }
}
