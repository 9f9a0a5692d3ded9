using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int AF_UNIX = 1;
    internal const int AF_UNSPEC = 0;
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_SEQPACKET = 5;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SO_TYPE = 3;
    internal const int SO_ACCEPTCONN = 30;
    internal const int SO_ERROR = 4;
    internal const int SO_KEEPALIVE = 9;
    internal const int SO_LINGER = 13;
    internal const int SO_DOMAIN = 39;
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_NODELAY = 1;
    internal const int TCP_KEEPIDLE = 4;
    internal const int TCP_KEEPINTVL = 5;
    internal const int TCP_KEEPCNT = 6;
    internal const int SHUT_RD = 0;
    internal const int SHUT_WR = 1;

    /// <summary>SIOCATMARK: is the read position at the urgent mark?</summary>
    internal const uint SIOCATMARK = 0x8905;

    /// <summary>SIOCINQ (FIONREAD): bytes that can be read from a TCP socket now.</summary>
    internal const uint SIOCINQ = 0x541B;

    /// <summary>TIOCOUTQ/SIOCOUTQ: bytes in the send queue not yet acknowledged by the peer.</summary>
    internal const uint SIOCOUTQ = 0x5411;

    internal const int SO_OOBINLINE = 10;

    /// <summary>sizeof(sockaddr_un.sun_path), as linux/un.h names it: a path of up to 107 bytes and its NUL.</summary>
    internal const int UNIX_PATH_MAX = 108;

    [StructLayout(LayoutKind.Sequential)]
    internal struct Linger
    {
        public int OnOff;
        public int Seconds;
    }
    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_V6ONLY = 26;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    internal static unsafe partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "setsockopt", SetLastError = true)]
    internal static unsafe partial int SetSockOpt(int fd, int level, int name, void* value, uint length);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static unsafe partial int GetSockOpt(int fd, int level, int name, void* value, uint* length);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "listen", SetLastError = true)]
    internal static partial int Listen(int fd, int backlog);

    [LibraryImport("libc", EntryPoint = "accept4", SetLastError = true)]
    internal static unsafe partial int Accept4(int fd, byte* address, uint* length, int flags);

    [LibraryImport("libc", EntryPoint = "getpeername", SetLastError = true)]
    internal static unsafe partial int GetPeerName(int fd, byte* address, uint* length);

    [LibraryImport("libc", EntryPoint = "getsockname", SetLastError = true)]
    internal static unsafe partial int GetSockName(int fd, byte* address, uint* length);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    internal static partial int Shutdown(int fd, int how);

    internal static unsafe int GetIntSockOpt(int fd, int level, int name, out int value)
    {
        int result = 0;
        uint length = sizeof(int);
        int rc = GetSockOpt(fd, level, name, &result, &length);
        value = result;
        return rc;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int IoctlInt(int fd, uint request, int* value);

    internal static unsafe int SetIntSockOpt(int fd, int level, int name, int value) =>
        SetSockOpt(fd, level, name, &value, sizeof(int));
}
