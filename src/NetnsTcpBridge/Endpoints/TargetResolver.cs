using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Turns a host name into the addresses to connect to, as seen from the connect namespace.</summary>
/// <remarks>
/// Called on a thread inside the connect namespace. The lookup must be the synchronous one:
/// getaddrinfo runs on the calling thread, so its DNS queries leave from that namespace, whereas
/// .NET's asynchronous lookups run elsewhere and would not. When the namespace was given by its
/// `ip netns` name, <c>/etc/netns/NAME/hosts</c> is read first, as `ip netns exec` would make it
/// the namespace's /etc/hosts.
/// </remarks>
public static class TargetResolver
{
    public static IReadOnlyList<IPEndPoint> Resolve(string host, int port, string? namespaceName)
    {
        if (namespaceName is not null && HostsFile.Lookup($"/etc/netns/{namespaceName}/hosts", host) is { Count: > 0 } fromHostsFile)
        {
            return [.. fromHostsFile.Select(address => new IPEndPoint(address, port))];
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException e)
        {
            throw new BridgeException($"cannot resolve host '{host}' in the connect netns: {e.Message}; check the name, or give an address", e);
        }

        var usable = addresses.Where(a => a.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6).ToList();
        return usable.Count > 0
            ? [.. usable.Select(address => new IPEndPoint(address, port))]
            : throw new BridgeException($"cannot resolve host '{host}' in the connect netns: it has no IPv4 or IPv6 address");
    }
}
