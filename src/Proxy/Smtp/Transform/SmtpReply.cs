using System.Text.RegularExpressions;

namespace Sovereignty.Proxy.Smtp.Transform;

/// <summary>An SMTP reply with its enhanced status code (RFC 3463), e.g. <c>550 5.7.1 text</c>.</summary>
public sealed partial record SmtpReply
{
    public SmtpReply(int code, string enhancedStatus, string text)
    {
        if (code is < 200 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "An SMTP reply code is 2xx to 5xx.");
        }

        if (!EnhancedStatusPattern().IsMatch(enhancedStatus) || enhancedStatus[0] - '0' != code / 100)
        {
            throw new ArgumentException($"'{enhancedStatus}' is not an enhanced status code of class {code / 100}.", nameof(enhancedStatus));
        }

        if (text.Any(c => c is '\r' or '\n'))
        {
            throw new ArgumentException("Reply text must be a single line.", nameof(text));
        }

        Code = code;
        EnhancedStatus = enhancedStatus;
        Text = text;
    }

    public int Code { get; }

    public string EnhancedStatus { get; }

    public string Text { get; }

    public override string ToString() => $"{Code} {EnhancedStatus} {Text}";

    [GeneratedRegex(@"^[245]\.\d{1,3}\.\d{1,3}$")]
    private static partial Regex EnhancedStatusPattern();
}
