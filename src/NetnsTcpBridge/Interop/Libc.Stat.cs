using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const uint S_IFMT = 0xF000;
    internal const uint S_IFSOCK = 0xC000;

    /// <summary>Size of struct stat on x86-64 glibc; st_mode sits at byte 24.</summary>
    internal const int StatSize = 144;
    internal const int StatModeOffset = 24;

    [LibraryImport("libc", EntryPoint = "lstat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int LStat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "chmod", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Chmod(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "unlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Unlink(string path);

    /// <summary>The file type bits of <paramref name="path"/> (not following a symlink), or null when it cannot be read.</summary>
    internal static unsafe uint? FileType(string path)
    {
        byte* buffer = stackalloc byte[StatSize];
        return LStat(path, buffer) == 0 ? *(uint*)(buffer + StatModeOffset) & S_IFMT : null;
    }
}
