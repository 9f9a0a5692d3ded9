using System.Runtime.InteropServices;

namespace NetnsTcpBridge.TestSupport;

/// <summary>
/// Every libc call the integration tests make, in one place. Linux x86-64/arm64 glibc values.
/// </summary>
internal static unsafe partial class Native
{
    public const int CLONE_NEWNET = 0x40000000;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_TRUNC = 0x200;
    public const int O_CLOEXEC = 0x80000;

    public const int F_DUPFD_CLOEXEC = 1030;

    public const int WNOHANG = 1;

    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGUSR1 = 10;
    public const int SIGTERM = 15;

    public const int EINTR = 4;
    public const int ECHILD = 10;

    public const int PR_SET_CHILD_SUBREAPER = 36;

    public const short POSIX_SPAWN_SETPGROUP = 0x02;
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;

    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes; room to spare.</summary>
    public const int FileActionsSize = 256;

    /// <summary>glibc's posix_spawnattr_t is 336 bytes; room to spare.</summary>
    public const int SpawnAttrSize = 1024;

    /// <summary>glibc's sigset_t is 128 bytes.</summary>
    public const int SigSetSize = 128;

    [LibraryImport("libc", EntryPoint = "geteuid", SetLastError = true)]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int cmd, int arg);

    /// <summary>Moves the calling thread (only it) into the namespace behind <paramref name="fd"/>.</summary>
    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int Setns(int fd, int nstype);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "waitpid", SetLastError = true)]
    public static partial int WaitPid(int pid, int* status, int options);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    public static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init", SetLastError = true)]
    public static partial int PosixSpawnFileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = true)]
    public static partial int PosixSpawnFileActionsAddDup2(void* actions, int fd, int newFd);

    /// <summary>glibc 2.34+; callers catch <see cref="EntryPointNotFoundException"/> on older ones.</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addclosefrom_np", SetLastError = true)]
    public static partial int PosixSpawnFileActionsAddCloseFrom(void* actions, int from);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy", SetLastError = true)]
    public static partial int PosixSpawnFileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init", SetLastError = true)]
    public static partial int PosixSpawnAttrInit(void* attr);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags", SetLastError = true)]
    public static partial int PosixSpawnAttrSetFlags(void* attr, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigmask", SetLastError = true)]
    public static partial int PosixSpawnAttrSetSigMask(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setsigdefault", SetLastError = true)]
    public static partial int PosixSpawnAttrSetSigDefault(void* attr, void* sigset);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy", SetLastError = true)]
    public static partial int PosixSpawnAttrDestroy(void* attr);

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    public static partial int SigEmptySet(void* sigset);

    [LibraryImport("libc", EntryPoint = "sigaddset", SetLastError = true)]
    public static partial int SigAddSet(void* sigset, int signal);

    [LibraryImport("libc", EntryPoint = "sigfillset", SetLastError = true)]
    public static partial int SigFillSet(void* sigset);

    /// <summary>Searches PATH like execvp. Returns an errno value (0 on success).</summary>
    [LibraryImport("libc", EntryPoint = "posix_spawnp", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int PosixSpawnP(int* pid, string file, void* fileActions, void* attr, byte** argv, byte** envp);

    /// <summary>The text of an errno value, e.g. "No such file or directory (2)".</summary>
    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})";

    /// <summary>The errno of the last call made with SetLastError, described.</summary>
    public static string LastError() => Describe(Marshal.GetLastPInvokeError());
}
