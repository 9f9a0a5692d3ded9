using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>The local and peer addresses of a socket descriptor, formatted for messages.</summary>
public static class SocketNames
{
    public static unsafe string Local(int fd)
    {
        byte* buffer = stackalloc byte[128];
        uint length = 128;
        return Libc.GetSockName(fd, buffer, &length) == 0 ? Describe(buffer, length) : $"fd {fd}";
    }

    public static unsafe string Peer(int fd)
    {
        byte* buffer = stackalloc byte[128];
        uint length = 128;
        return Libc.GetPeerName(fd, buffer, &length) == 0 ? Describe(buffer, length) : $"fd {fd}";
    }

    /// <summary>The peer's IP endpoint; null for a UNIX socket, or when the socket has no peer (any more).</summary>
    public static unsafe IPEndPoint? PeerEndPoint(int fd)
    {
        byte* buffer = stackalloc byte[128];
        uint length = 128;
        return Libc.GetPeerName(fd, buffer, &length) == 0 ? ToEndPoint(buffer, length) : null;
    }

    /// <summary>The socket's own IP endpoint (for an accepted client: the address it connected to); null for a UNIX socket.</summary>
    public static unsafe IPEndPoint? LocalEndPoint(int fd)
    {
        byte* buffer = stackalloc byte[128];
        uint length = 128;
        return Libc.GetSockName(fd, buffer, &length) == 0 ? ToEndPoint(buffer, length) : null;
    }

    private static unsafe string Describe(byte* buffer, uint length)
    {
        int family = buffer[0] | (buffer[1] << 8);
        if (family is not (Libc.AF_INET or Libc.AF_INET6))
        {
            return family == Libc.AF_UNIX ? "(UNIX socket)" : $"(address family {family})";
        }

        return TcpAddress.Format(ToEndPoint(buffer, length));
    }

    // sa_family holds the kernel's AF_* number, which is not .NET's AddressFamily value for IPv6
    // (10 against 23): compare with the C constants, then let SocketAddress translate.
    private static unsafe IPEndPoint? ToEndPoint(byte* buffer, uint length)
    {
        int raw = buffer[0] | (buffer[1] << 8);
        var family = raw switch
        {
            Libc.AF_INET => AddressFamily.InterNetwork,
            Libc.AF_INET6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        if (family == AddressFamily.Unknown)
        {
            return null;
        }

        var address = new SocketAddress(family, (int)length);
        new ReadOnlySpan<byte>(buffer, (int)length).CopyTo(address.Buffer.Span);
        var template = family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        return (IPEndPoint)template.Create(address);
    }
}
