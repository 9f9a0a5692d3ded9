using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

// A thread's own mount namespace, for the view of /etc that `ip netns exec` gives a program.
internal static partial class Libc
{
    /// <summary>unshare flag: a mount namespace of the calling thread's own (implies CLONE_FS).</summary>
    internal const int CLONE_NEWNS = 0x00020000;

    internal const nuint MS_BIND = 4096;
    internal const nuint MS_REC = 16384;
    internal const nuint MS_SLAVE = 1 << 19;

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string? source, string target, string? fileSystemType, nuint flags, nint data);
}
