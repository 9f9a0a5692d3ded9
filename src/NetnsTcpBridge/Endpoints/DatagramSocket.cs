using System.Net;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Creates the bound UDP socket of a <c>udp:</c> listen address, with raw system calls.</summary>
/// <remarks>
/// No SO_REUSEADDR, unlike TCP: on a UDP socket it lets a second program bind the same address
/// and port, and the kernel would then give it the datagrams meant for the bridge.
/// </remarks>
public static class DatagramSocket
{
    /// <summary>Creates the socket in the calling thread's network namespace. The caller owns the result.</summary>
    public static FileDescriptor Create(EndPoint endpoint) =>
        EndpointSocket.Create(endpoint, Libc.SOCK_DGRAM, UdpAddress.Format(endpoint));

    /// <summary>
    /// Binds; failures name the address and what to do. <paramref name="dualStack"/> (IPv6 only):
    /// whether datagrams to IPv4 addresses are taken too (IPV6_V6ONLY off); null keeps the kernel's default.
    /// </summary>
    public static void Bind(FileDescriptor socket, EndPoint endpoint, bool? dualStack) =>
        AddressBinding.Bind(socket, endpoint, UdpAddress.Format(endpoint), dualStack,
            "another program has bound it (a resolver such as systemd-resolved, dnsmasq?), pick another address or stop it");
}
