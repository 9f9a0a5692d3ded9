using System.Net;
using System.Net.Sockets;
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
    public static FileDescriptor Create(EndPoint endpoint)
    {
        int family = endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? Libc.AF_INET6 : Libc.AF_INET;
        int fd = Libc.Socket(family, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK, 0);
        if (fd < 0)
        {
            throw SyscallException.FromLastError("socket", UdpAddress.Format(endpoint));
        }

        return new FileDescriptor(fd);
    }

    /// <summary>
    /// Binds; failures name the address and what to do. <paramref name="dualStack"/> (IPv6 only):
    /// whether datagrams to IPv4 addresses are taken too (IPV6_V6ONLY off); null keeps the kernel's default.
    /// </summary>
    public static unsafe void Bind(FileDescriptor socket, EndPoint endpoint, bool? dualStack)
    {
        string where = UdpAddress.Format(endpoint);
        if (dualStack is { } both && endpoint.AddressFamily == AddressFamily.InterNetworkV6
            && Libc.SetIntSockOpt(socket.Number, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, both ? 0 : 1) != 0)
        {
            throw SyscallException.FromLastError("setsockopt(IPV6_V6ONLY)", where);
        }

        SocketAddress address = endpoint.Serialize();
        Span<byte> bytes = stackalloc byte[address.Size];
        address.Buffer.Span[..address.Size].CopyTo(bytes);
        fixed (byte* pointer = bytes)
        {
            if (Libc.Bind(socket.Number, pointer, (uint)bytes.Length) != 0)
            {
                var error = SyscallException.FromLastError("bind", where);
                string hint = error.Errno switch
                {
                    Errno.EADDRINUSE => "; another program has bound it (a resolver such as systemd-resolved, dnsmasq?), pick another address or stop it",
                    Errno.EADDRNOTAVAIL => "; no interface in the listen netns has this address (is lo up?)",
                    Errno.EACCES => "; ports below 1024 need root or CAP_NET_BIND_SERVICE",
                    _ => string.Empty,
                };
                throw new BridgeException($"cannot listen on {where}: {error.Reason}{hint}", error);
            }
        }
    }
}
