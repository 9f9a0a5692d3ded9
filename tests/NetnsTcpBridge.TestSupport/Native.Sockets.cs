using System.Runtime.InteropServices;

namespace NetnsTcpBridge.TestSupport;

/// <summary>Socket calls the close-semantics tests make themselves, bypassing .NET (Linux values).</summary>
internal static unsafe partial class Native
{
    /// <summary>Bytes in the receive queue (FIONREAD); with SO_OOBINLINE the urgent byte included.</summary>
    public const uint SIOCINQ = 0x541B;

    /// <summary>Bytes in the send queue not yet acknowledged by the peer.</summary>
    public const uint SIOCOUTQ = 0x5411;

    /// <summary>Non-zero when the read position is at the urgent mark.</summary>
    public const uint SIOCATMARK = 0x8905;

    public const int MSG_OOB = 0x1;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_NOSIGNAL = 0x4000;

    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;

    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ECONNRESET = 104;

    public const int AF_UNIX = 1;
    public const int SOCK_STREAM = 1;

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    public static partial int Bind(int fd, byte* address, uint length);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt(int fd, nuint request, int* value);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
