using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsInit(IntPtr actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsAddDup2(IntPtr actions, int fd, int newFd);

    /// <summary>The child closes every descriptor from <paramref name="from"/> up before it execs (glibc 2.34+).</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np", SetLastError = false)]
    internal static partial int PosixSpawnFileActionsAddCloseFrom(IntPtr actions, int from);

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

    internal const int P_PID = 1;
    internal const int WNOHANG = 1;
    internal const int WEXITED = 4;
    internal const int WNOWAIT = 0x01000000;

    /// <summary>siginfo_t is 128 bytes; si_pid is at offset 16 on Linux (0 when no child has changed state).</summary>
    [LibraryImport("libc", EntryPoint = "waitid", SetLastError = true)]
    internal static unsafe partial int WaitId(int idType, int id, byte* info, int options);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpid")]
    internal static partial int GetPid();

    /// <summary>Replaces the process image; returns only on failure (-1, errno set). Every other thread ends with the old image.</summary>
    [LibraryImport("libc", EntryPoint = "execve", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int Execve(string path, byte** argv, byte** envp);
}
