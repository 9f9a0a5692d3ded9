using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFSOCK = 0xC000;
    internal const uint S_IFREG = 0x8000;

    /// <summary>Size of struct stat on x86-64 glibc; st_mode sits at byte 24.</summary>
    internal const int StatSize = 144;
    internal const int StatModeOffset = 24;

    /// <summary>st_dev and st_ino of struct stat on x86-64 glibc, both 64 bits.</summary>
    internal const int StatDeviceOffset = 0;
    internal const int StatInodeOffset = 8;

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    internal static unsafe partial int FStat(int fd, byte* buffer);

    /// <summary>The file type bits of what <paramref name="fd"/> is open on, or null when fstat fails.</summary>
    internal static uint? FileType(int fd) => StatOf(fd)?.Type;

    /// <summary>Device and inode of what <paramref name="fd"/> is open on, or null when fstat fails (e.g. it is closed).</summary>
    internal static (ulong Device, ulong Inode)? FileIdentity(int fd) =>
        StatOf(fd) is { } status ? (status.Device, status.Inode) : null;
}
