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
        var family = (AddressFamily)(buffer[0] | (buffer[1] << 8));
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return family == AddressFamily.Unix ? "(UNIX socket)" : $"(address family {(int)family})";
        }

        return TcpAddress.Format(ToEndPoint(buffer, length));
    }

    private static unsafe IPEndPoint? ToEndPoint(byte* buffer, uint length)
    {
        var family = (AddressFamily)(buffer[0] | (buffer[1] << 8));
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return null;
        }

        var address = new SocketAddress(family, (int)length);
        new ReadOnlySpan<byte>(buffer, (int)length).CopyTo(address.Buffer.Span);
        var template = family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        return (IPEndPoint)template.Create(address);
    }
}
