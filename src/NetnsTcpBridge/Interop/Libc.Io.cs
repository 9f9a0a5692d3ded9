using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int STDERR_FILENO = 2;
    internal const int MSG_OOB = 0x1;
    internal const int MSG_PEEK = 0x2;
    internal const int MSG_DONTWAIT = 0x40;

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    internal static unsafe partial nint Recv(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    internal static unsafe partial nint Send(int fd, void* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    internal static unsafe partial int Connect(int fd, byte* address, uint length);
}
