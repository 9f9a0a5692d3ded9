using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// A thread's own file-system state (root, working directory, umask), apart from the process's.
internal static partial class Libc
{
    /// <summary>unshare flag: the calling thread gets a copy of the fs state that it alone uses from now on.</summary>
    internal const int CLONE_FS = 0x200;

    [LibraryImport("libc", EntryPoint = "unshare", SetLastError = true)]
    internal static partial int Unshare(int flags);

    /// <summary>Sets the file-mode creation mask (of the calling thread's fs state); returns the previous one.</summary>
    [LibraryImport("libc", EntryPoint = "umask")]
    internal static partial uint Umask(uint mask);
}
