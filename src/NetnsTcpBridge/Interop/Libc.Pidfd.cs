using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    /// <summary>
    /// pidfd_open(2)'s number, the same on every architecture (Linux 5.3+). Called through
    /// syscall(2) because glibc has a wrapper only since 2.36.
    /// </summary>
    internal const long SYS_pidfd_open = 434;

    /// <summary>
    /// A descriptor on process <paramref name="pid"/> that becomes readable (POLLIN) when it exits;
    /// unlike the number, it can never come to mean another process. Close-on-exec. -1 and errno on failure.
    /// </summary>
    internal static int PidfdOpen(int pid) => (int)Syscall(SYS_pidfd_open, pid, 0);

    /// <summary>pidfd_send_signal(2)'s number, the same on every architecture (Linux 5.1+).</summary>
    internal const long SYS_pidfd_send_signal = 424;

    /// <summary>
    /// Sends <paramref name="signal"/> to the process behind <paramref name="pidfd"/>, and to no
    /// other: once that process is reaped it fails with ESRCH, even if its PID is in use again.
    /// </summary>
    internal static int PidfdSendSignal(int pidfd, int signal) => (int)Syscall(SYS_pidfd_send_signal, pidfd, signal, 0, 0);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long argument1, long argument2);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long argument1, long argument2, long argument3, long argument4);
}
