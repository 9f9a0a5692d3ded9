using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int EPOLL_CLOEXEC = 0x80000;
    internal const int EPOLL_CTL_ADD = 1;
    internal const int EPOLL_CTL_DEL = 2;
    internal const int EPOLL_CTL_MOD = 3;
    internal const uint EPOLLIN = 0x001;
    internal const uint EPOLLPRI = 0x002;
    internal const uint EPOLLOUT = 0x004;
    internal const uint EPOLLERR = 0x008;
    internal const uint EPOLLHUP = 0x010;
    internal const uint EPOLLRDHUP = 0x2000;

    /// <summary>Linux 4.5+: of the epoll instances watching one descriptor with this flag, only some are woken.</summary>
    internal const uint EPOLLEXCLUSIVE = 1u << 28;
    internal const uint EPOLLET = 0x80000000;

    /// <summary>struct epoll_event; packed on x86-64, as the kernel's EPOLL_PACKED says.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    internal struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport("libc", EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(int epollFd, int operation, int fd, EpollEvent* @event);

    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epollFd, EpollEvent* events, int maxEvents, int timeoutMilliseconds);

    internal const int EFD_CLOEXEC = 0x80000;
    internal const int EFD_NONBLOCK = 0x800;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initialValue, int flags);
}
