using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Creates a bound, listening TCP socket with raw system calls.</summary>
/// <remarks>
/// Raw calls, not <see cref="Socket"/>, because the socket must be created on a thread that sits
/// in the listen namespace, and the accept loop uses poll+accept4 that work whether or not the
/// descriptor is non-blocking (an inherited <c>-L</c> socket may be either).
/// </remarks>
public static class ListeningSocket
{
    /// <summary>
    /// Backlog asked of listen(2) unless --backlog says otherwise. The kernel caps it at
    /// net.core.somaxconn (4096 by default since Linux 5.4). The original's 16 drops SYNs as soon
    /// as more than 16 clients connect at once, which costs each of them a one-second retransmit;
    /// 4096 absorbs bursts of thousands.
    /// </summary>
    public const int DefaultBacklog = 4096;

    /// <summary>The largest --backlog accepted; listen(2) takes an int, but somaxconn caps it far lower anyway.</summary>
    public const int MaxBacklog = 65535;

    /// <summary>
    /// Options that every socket accepted on <paramref name="socket"/> inherits, set once here
    /// rather than once per client: TCP_NODELAY, and SO_OOBINLINE (urgent bytes stay in the stream
    /// from the first one; see Relay/Direction). Best effort: an inherited socket may be a UNIX
    /// one, which has no TCP_NODELAY.
    /// </summary>
    public static void PrepareForAccepting(FileDescriptor socket)
    {
        _ = Libc.SetIntSockOpt(socket.Number, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        _ = Libc.SetIntSockOpt(socket.Number, Libc.SOL_SOCKET, Libc.SO_OOBINLINE, 1);
    }

    /// <summary>Creates the socket in the calling thread's network namespace. The caller owns the result.</summary>
    public static FileDescriptor CreateSocket(EndPoint endpoint) =>
        EndpointSocket.Create(endpoint, Libc.SOCK_STREAM, TcpAddress.Format(endpoint));

    /// <summary>
    /// Sets SO_REUSEADDR (TCP), binds and listens; failures name the address and what to do. A
    /// UNIX path socket replaces a stale socket file (nobody accepts on it any more), never a live
    /// one or a file of another kind, and gets <paramref name="fileAccess"/> (its mode and owner)
    /// before it listens (see <see cref="UnixSocketFile"/>). <paramref name="dualStack"/> (IPv6
    /// only): whether IPv4 clients are accepted too (IPV6_V6ONLY off); null keeps the kernel's
    /// default, as the original did.
    /// </summary>
    public static void BindAndListen(FileDescriptor socket, EndPoint endpoint, bool? dualStack = null, int backlog = DefaultBacklog, SocketFileAccess? fileAccess = null)
    {
        const string InUse = "another program listens there, pick another address or stop it";
        string where = TcpAddress.Format(endpoint);
        if (endpoint is UnixDomainSocketEndPoint unix && UnixAddress.FilePath(unix) is { } path)
        {
            // Bound by its name in its directory: messages still name the path the user gave.
            UnixSocketFile.Create(path, fileAccess ?? SocketFileAccess.Unchanged, name => AddressBinding.Bind(socket, name, where, null, InUse));
        }
        else
        {
            if (endpoint is not UnixDomainSocketEndPoint && Libc.SetIntSockOpt(socket.Number, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1) != 0)
            {
                throw SyscallException.FromLastError("setsockopt(SO_REUSEADDR)", where);
            }

            AddressBinding.Bind(socket, endpoint, where, dualStack, InUse);
        }

        PrepareForAccepting(socket);

        if (Libc.Listen(socket.Number, backlog) != 0)
        {
            var error = SyscallException.FromLastError("listen", where);
            throw new BridgeException($"cannot listen on {where}: {error.Reason}", error);
        }
    }
}
