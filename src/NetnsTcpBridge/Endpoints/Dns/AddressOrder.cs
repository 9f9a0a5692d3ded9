using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints.Dns;

/// <summary>
/// Orders resolved addresses the way getaddrinfo's RFC 6724 sort does in the simple cases: an
/// address the namespace has a route to before one it has none to (rule 1), then IPv6 before
/// IPv4 (rule 6, the default policy table), otherwise in the order the answers gave them.
/// </summary>
/// <remarks>
/// Whether there is a route is found out like glibc does: connect(2) a UDP socket, created on this
/// thread (so inside the connect namespace), to the address; that sends nothing. The other rules
/// (scopes, source addresses, labels, longest prefix) are not applied.
/// </remarks>
internal static class AddressOrder
{
    public static IReadOnlyList<IPAddress> Sort(IReadOnlyList<IPAddress> addresses, int port) =>
        [.. addresses.Distinct()
            .Select((address, index) => (address, index, routed: HasRoute(address, port)))
            .OrderBy(entry => entry.routed ? 0 : 1)
            .ThenBy(entry => IsIPv6(entry.address) ? 0 : 1)
            .ThenBy(entry => entry.index)
            .Select(entry => entry.address)];

    private static bool IsIPv6(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && !address.IsIPv4MappedToIPv6;

    private static bool HasRoute(IPAddress address, int port)
    {
        var endpoint = new IPEndPoint(address, port);
        using var probe = DnsSocket.Open(endpoint, Libc.SOCK_DGRAM, out _);
        return probe is not null && probe.Connect(endpoint) == 0;
    }
}
