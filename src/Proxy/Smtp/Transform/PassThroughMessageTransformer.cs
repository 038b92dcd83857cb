using System.Buffers;

namespace Sovereignty.Proxy.Smtp.Transform;

/// <summary>
/// The policy's <em>pass</em> action: relays the message exactly as received. It is the
/// relay's transformer until the policy and S/MIME steps are plugged in.
/// </summary>
public sealed class PassThroughMessageTransformer : IMessageTransformer
{
    public ValueTask<MessageTransformResult> TransformAsync(
        SmtpEnvelope envelope,
        ReadOnlySequence<byte> message,
        CancellationToken cancellationToken) =>
        ValueTask.FromResult<MessageTransformResult>(new MessageTransformResult.Accept(message));
}
