using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int F_GETFD = 1;
    internal const int F_SETFD = 2;
    internal const int F_GETFL = 3;
    internal const int F_SETFL = 4;
    internal const int F_DUPFD_CLOEXEC = 1030;
    internal const int FD_CLOEXEC = 1;
    internal const int O_RDONLY = 0;
    internal const int O_NONBLOCK = 0x800;
    internal const int O_CLOEXEC = 0x80000;

    /// <summary>open flags, x86-64 values: a descriptor that only names the file (here, a directory to look names up in).</summary>
    internal const int O_PATH = 0x200000;
    internal const int O_DIRECTORY = 0x10000;

    /// <summary>close_range flag: mark the range close-on-exec instead of closing it (Linux 5.11+).</summary>
    internal const uint CLOSE_RANGE_CLOEXEC = 1u << 2;

    [LibraryImport("libc", EntryPoint = "close_range", SetLastError = true)]
    internal static partial int CloseRange(uint first, uint last, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags);
}
