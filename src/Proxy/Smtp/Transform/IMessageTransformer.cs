using System.Buffers;

namespace Sovereignty.Proxy.Smtp.Transform;

/// <summary>
/// The decision step at end of DATA: sees the envelope and the raw message, and says
/// whether the relay accepts it (possibly transformed: signed, encrypted), refuses it
/// for good, or asks the client to try again later.
/// </summary>
/// <remarks>
/// Called once per message, after the listener has checked size, line endings (SMTP
/// smuggling), line length, header size and MIME depth, and before anything is written
/// to the spool: only the bytes of an <see cref="MessageTransformResult.Accept"/> result
/// are spooled, and <c>250</c> is answered only after they are on disk. An exception
/// thrown here is answered with <c>451 4.3.0</c> (fail closed: nothing is relayed).
/// The <c>message</c> sequence stays valid until the spool has written the
/// accepted bytes, so a pass-through result may return it as is.
/// </remarks>
public interface IMessageTransformer
{
    ValueTask<MessageTransformResult> TransformAsync(
        SmtpEnvelope envelope,
        ReadOnlySequence<byte> message,
        CancellationToken cancellationToken);
}
