using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsInit(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsAddDup2(IntPtr actions, int fd, int newFd);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsDestroy(IntPtr actions);

    /// <summary>posix_spawnattr_t is 336 bytes in glibc on x86-64; room to spare.</summary>
    internal const int PosixSpawnAttrSize = 512;

    internal const short POSIX_SPAWN_SETSIGMASK = 0x08;

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init", SetLastError = false)]
    internal static partial int PosixSpawnAttrInit(IntPtr attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask", SetLastError = false)]
    internal static unsafe partial int PosixSpawnAttrSetSigMask(IntPtr attributes, SigSet* mask);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags", SetLastError = false)]
    internal static partial int PosixSpawnAttrSetFlags(IntPtr attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy", SetLastError = false)]
    internal static partial int PosixSpawnAttrDestroy(IntPtr attributes);

    /// <summary>Returns an errno value (0 on success); it does not set errno.</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn", SetLastError = false, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int PosixSpawn(int* pid, string path, IntPtr fileActions, IntPtr attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    internal static unsafe partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpid")]
    internal static partial int GetPid();
}
