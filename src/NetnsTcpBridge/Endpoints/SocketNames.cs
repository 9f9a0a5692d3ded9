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

    private static unsafe string Describe(byte* buffer, uint length)
    {
        var family = (AddressFamily)(buffer[0] | (buffer[1] << 8));
        if (family is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return family == AddressFamily.Unix ? "(UNIX socket)" : $"(address family {(int)family})";
        }

        var address = new SocketAddress(family, (int)length);
        new ReadOnlySpan<byte>(buffer, (int)length).CopyTo(address.Buffer.Span);
        var template = family == AddressFamily.InterNetwork ? new IPEndPoint(IPAddress.Any, 0) : new IPEndPoint(IPAddress.IPv6Any, 0);
        return TcpAddress.Format(template.Create(address));
    }
}
