using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int SOCK_DGRAM = 2;

    [LibraryImport("libc", EntryPoint = "sendto", SetLastError = true)]
    internal static unsafe partial nint SendTo(int fd, void* buffer, nuint length, int flags, byte* address, uint addressLength);
}
