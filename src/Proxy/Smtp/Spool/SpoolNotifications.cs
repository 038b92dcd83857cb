using System.Threading.Channels;

namespace Sovereignty.Proxy.Smtp.Spool;

/// <summary>
/// Tells the delivery worker about a message just spooled, so it is sent at once instead
/// of at the next scan. Only a hint: the spool on disk stays the source of truth.
/// </summary>
internal sealed class SpoolNotifications
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    public ChannelReader<string> Reader => _channel.Reader;

    public void Publish(string id) => _channel.Writer.TryWrite(id);
}
