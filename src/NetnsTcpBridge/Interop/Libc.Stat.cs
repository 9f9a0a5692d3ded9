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

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat", SetLastError = true)]
    internal static unsafe partial int FStat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    /// <summary>The file type bits of <paramref name="path"/> (not following a symlink), or null when it cannot be read.</summary>
    internal static unsafe uint? FileType(string path)
    {
        byte* buffer = stackalloc byte[StatSize];
        return LStat(path, buffer) == 0 ? *(uint*)(buffer + StatModeOffset) & S_IFMT : null;
    }

    /// <summary>The file type bits of what <paramref name="fd"/> is open on, or null when fstat fails.</summary>
    internal static unsafe uint? FileType(int fd)
    {
        byte* buffer = stackalloc byte[StatSize];
        return FStat(fd, buffer) == 0 ? *(uint*)(buffer + StatModeOffset) & S_IFMT : null;
    }

    /// <summary>Device and inode of what <paramref name="fd"/> is open on, or null when fstat fails (e.g. it is closed).</summary>
    internal static unsafe (ulong Device, ulong Inode)? FileIdentity(int fd)
    {
        byte* buffer = stackalloc byte[StatSize];
        return FStat(fd, buffer) == 0 ? (*(ulong*)(buffer + StatDeviceOffset), *(ulong*)(buffer + StatInodeOffset)) : null;
    }
}
