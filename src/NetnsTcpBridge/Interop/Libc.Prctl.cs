using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    /// <summary>From now on execve can never grant privileges (set-user-ID bits, file capabilities).</summary>
    internal const int PR_SET_NO_NEW_PRIVS = 38;

    /// <summary>Sets the calling thread's name (the process's, for the main thread): at most 15 bytes.</summary>
    internal const int PR_SET_NAME = 15;

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int PrctlName(int option, string name, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
