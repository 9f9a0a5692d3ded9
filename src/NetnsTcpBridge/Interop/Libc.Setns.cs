using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int CLONE_NEWNET = 0x40000000;

    /// <summary>NS_GET_NSTYPE = _IO(0xb7, 0x3): the namespace type of an nsfs file (Linux 4.11+).</summary>
    internal const uint NS_GET_NSTYPE = 0xb703;

    /// <summary>Moves the calling thread (only it) into the namespace behind <paramref name="fd"/>.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    internal static partial int Setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, uint request);
}
