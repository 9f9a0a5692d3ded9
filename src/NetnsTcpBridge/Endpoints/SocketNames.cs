using System.Net;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>The local and peer addresses of a socket descriptor, formatted for messages.</summary>
public static class SocketNames
{
    public static string Local(int fd) => Describe(fd, peer: false);

    public static string Peer(int fd) => Describe(fd, peer: true);

    /// <summary>The peer's IP endpoint; null for a UNIX socket, or when the socket has no peer (any more).</summary>
    public static IPEndPoint? PeerEndPoint(int fd)
    {
        Span<byte> buffer = stackalloc byte[SocketAddressFamily.StorageBytes];
        return SocketAddressFamily.ToIPEndPoint(Name(fd, peer: true, buffer));
    }

    /// <summary>The socket's own IP endpoint (for an accepted client: the address it connected to); null for a UNIX socket.</summary>
    public static IPEndPoint? LocalEndPoint(int fd)
    {
        Span<byte> buffer = stackalloc byte[SocketAddressFamily.StorageBytes];
        return SocketAddressFamily.ToIPEndPoint(Name(fd, peer: false, buffer));
    }

    private static string Describe(int fd, bool peer)
    {
        Span<byte> buffer = stackalloc byte[SocketAddressFamily.StorageBytes];
        var name = Name(fd, peer, buffer);
        if (name.IsEmpty)
        {
            return $"fd {fd}";
        }

        int family = SocketAddressFamily.Of(name);
        return SocketAddressFamily.ToIPEndPoint(name) is { } endpoint ? TcpAddress.Format(endpoint)
            : family == Libc.AF_UNIX ? "(UNIX socket)"
            : $"(address family {family})";
    }

    /// <summary>The sockaddr from getpeername or getsockname, in <paramref name="buffer"/>; empty when the call failed.</summary>
    private static unsafe ReadOnlySpan<byte> Name(int fd, bool peer, Span<byte> buffer)
    {
        uint length = (uint)buffer.Length;
        fixed (byte* pointer = buffer)
        {
            int rc = peer ? Libc.GetPeerName(fd, pointer, &length) : Libc.GetSockName(fd, pointer, &length);
            return rc == 0 ? buffer[..(int)Math.Min(length, (uint)buffer.Length)] : [];
        }
    }
}
