using System.Net;
using System.Runtime.InteropServices;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

/// <summary>Socket calls around connecting to the target and preparing both legs of a relay.</summary>
internal static class ServerConnector
{
    /// <summary>
    /// Creates a non-blocking socket and starts connecting it to the target. Returns 0 when
    /// connected at once, EINPROGRESS while in flight, or the errno of the failure.
    /// The socket is created by whichever thread calls this; the connector process lives wholly
    /// in the connect namespace, so every thread of it creates sockets there.
    /// </summary>
    public static unsafe int Begin(EndPoint target, RelayOptions options, out int fd)
    {
        int family = SocketAddressFamily.ToNative(target.AddressFamily);
        fd = Libc.Socket(family, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }

        // Before connecting, so that no urgent byte of the target ever arrives out of line (see Direction).
        KeepUrgentDataInline(fd);
        if (family != Libc.AF_UNIX)
        {
            _ = Libc.SetIntSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            ConfigureKeepAlive(fd, options.KeepAlive);
        }

        ReadOnlySpan<byte> address = TargetAddress(target);
        fixed (byte* pointer = address)
        {
            return Libc.Connect(fd, pointer, (uint)address.Length) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>The outcome of a connect in flight: 0 once connected, else its errno.</summary>
    public static int PendingError(int fd) =>
        Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_ERROR, out int error) == 0 ? error : Marshal.GetLastPInvokeError();

    /// <summary>
    /// Non-blocking for the event loop, and TCP_NODELAY: the bridge must not add Nagle delay to
    /// small writes that the endpoints chose to send at once; the endpoints keep their own Nagle.
    /// </summary>
    public static void ConfigureHandedOverSocket(int fd, RelayOptions options)
    {
        _ = Libc.Fcntl(fd, Libc.F_SETFL, Libc.O_NONBLOCK);
        _ = Libc.SetIntSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
        ConfigureKeepAlive(fd, options.KeepAlive);
    }

    public static void KeepUrgentDataInline(int fd) =>
        _ = Libc.SetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_OOBINLINE, 1);

    public static unsafe int UnreadBytes(int fd)
    {
        int unread = 0;
        return Libc.IoctlInt(fd, Libc.SIOCINQ, &unread) == 0 ? unread : 0;
    }

    public static unsafe int UnsentBytes(int fd)
    {
        int unsent = 0;
        return Libc.IoctlInt(fd, Libc.SIOCOUTQ, &unsent) == 0 ? unsent : 0;
    }

    private static void ConfigureKeepAlive(int fd, KeepAliveSettings? keepAlive)
    {
        if (keepAlive is null)
        {
            return;
        }

        _ = Libc.SetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_KEEPALIVE, 1);
        _ = Libc.SetIntSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPIDLE, Math.Max(1, (int)keepAlive.Idle.TotalSeconds));
        _ = Libc.SetIntSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPINTVL, Math.Max(1, (int)keepAlive.Interval.TotalSeconds));
        _ = Libc.SetIntSockOpt(fd, Libc.IPPROTO_TCP, Libc.TCP_KEEPCNT, keepAlive.Probes);
    }

    [ThreadStatic]
    private static (EndPoint Endpoint, byte[] Bytes)? t_cachedAddress;

    // The sockaddr bytes of the target, serialised once per thread rather than once per connect.
    private static byte[] TargetAddress(EndPoint target)
    {
        if (t_cachedAddress is { } cached && ReferenceEquals(cached.Endpoint, target))
        {
            return cached.Bytes;
        }

        // A socket-file target is reached through the directory opened at start.
        SocketAddress address = UnixTargetDirectories.ConnectAddress(target).Serialize();
        byte[] bytes = address.Buffer.Span[..address.Size].ToArray();
        t_cachedAddress = (target, bytes);
        return bytes;
    }
}
