using System.Net;

namespace Sovereignty.Proxy.Smtp.Listener;

/// <summary>The client networks allowed to relay without authenticating.</summary>
internal sealed class ClientNetworks
{
    private readonly IPNetwork[] _networks;

    public ClientNetworks(IEnumerable<string> cidrs)
    {
        _networks = cidrs.Select(c => IPNetwork.Parse(c)).ToArray();
    }

    public bool Contains(IPAddress address)
    {
        // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
        var candidate = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var network in _networks)
        {
            if (network.Contains(candidate))
            {
                return true;
            }
        }

        return false;
    }
}
