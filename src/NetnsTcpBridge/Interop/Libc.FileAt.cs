using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// Calls relative to a directory descriptor (the *at family): a name is looked up in the directory
// opened once, never again through a path that someone could change meanwhile.
internal static partial class Libc
{
    /// <summary>open flag, x86-64 value: fail on a symlink rather than follow it.</summary>
    internal const int O_NOFOLLOW = 0x20000;

    /// <summary>*at flag: act on a symlink itself, never on what it points to.</summary>
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;

    /// <summary>*at flag: an empty path means the descriptor's own file.</summary>
    internal const int AT_EMPTY_PATH = 0x1000;

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int OpenAt(int directoryFd, string path, int flags);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int FStatAt(int directoryFd, string path, byte* buffer, int flags);

    [LibraryImport("libc", EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int UnlinkAt(int directoryFd, string path, int flags);

    /// <summary>uint.MaxValue leaves an id as it is.</summary>
    [LibraryImport("libc", EntryPoint = "fchownat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FChownAt(int directoryFd, string path, uint userId, uint groupId, int flags);

    /// <summary>Makes <paramref name="directoryFd"/> the working directory of the calling thread's fs state.</summary>
    [LibraryImport("libc", EntryPoint = "fchdir", SetLastError = true)]
    internal static partial int FChdir(int directoryFd);

    /// <summary>What <paramref name="name"/> in the directory is (a symlink itself, not followed), or null with errno set.</summary>
    internal static unsafe FileStatus? StatAt(int directoryFd, string name)
    {
        byte* buffer = stackalloc byte[StatSize];
        return FStatAt(directoryFd, name, buffer, AT_SYMLINK_NOFOLLOW) == 0 ? FileStatus.From(buffer) : null;
    }

    /// <summary>The same of what <paramref name="fd"/> is open on, or null with errno set.</summary>
    internal static unsafe FileStatus? StatOf(int fd)
    {
        byte* buffer = stackalloc byte[StatSize];
        return FStat(fd, buffer) == 0 ? FileStatus.From(buffer) : null;
    }
}

/// <summary>What this program reads of a struct stat: the file's type, its permission bits (07777), and which file it is.</summary>
internal readonly record struct FileStatus(uint Type, uint Permissions, ulong Device, ulong Inode)
{
    public bool IsSocket => Type == Libc.S_IFSOCK;

    /// <summary>Whether this is a socket file and the same file as <paramref name="other"/> (device and inode).</summary>
    public bool IsSameSocketFile(FileStatus other) => IsSocket && Device == other.Device && Inode == other.Inode;

    /// <summary>Reads the fields out of a struct stat the kernel filled (x86-64 glibc layout, see Libc.Stat).</summary>
    internal static unsafe FileStatus From(byte* stat) => new(
        *(uint*)(stat + Libc.StatModeOffset) & Libc.S_IFMT,
        *(uint*)(stat + Libc.StatModeOffset) & 0xFFF,
        *(ulong*)(stat + Libc.StatDeviceOffset),
        *(ulong*)(stat + Libc.StatInodeOffset));
}
