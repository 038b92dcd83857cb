using System.Buffers;

namespace Sovereignty.Proxy.Smtp.Transform;

/// <summary>
/// The outcome of <see cref="IMessageTransformer.TransformAsync"/>: an expected result,
/// returned as a value, never thrown.
/// </summary>
public abstract record MessageTransformResult
{
    private MessageTransformResult()
    {
    }

    /// <summary>Relay <paramref name="Message"/> (the original or its transformed form).</summary>
    public sealed record Accept(ReadOnlySequence<byte> Message) : MessageTransformResult;

    /// <summary>Refuse for good: the client gets the 5xx reply (e.g. <c>550 5.7.1</c> with the rule's reason).</summary>
    public sealed record Reject(SmtpReply Reply) : MessageTransformResult
    {
        public SmtpReply Reply { get; } = Reply.Code is >= 500 and < 600
            ? Reply
            : throw new ArgumentException("A rejection needs a 5xx reply.", nameof(Reply));
    }

    /// <summary>Ask the client to retry later: the 4xx reply (e.g. <c>451 4.7.0</c> when the HSM is down).</summary>
    public sealed record TemporaryFailure(SmtpReply Reply) : MessageTransformResult
    {
        public SmtpReply Reply { get; } = Reply.Code is >= 400 and < 500
            ? Reply
            : throw new ArgumentException("A temporary failure needs a 4xx reply.", nameof(Reply));
    }
}
