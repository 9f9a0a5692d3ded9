using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const int SIGHUP = 1;
    internal const int SIGINT = 2;
    internal const int SIGKILL = 9;
    internal const int SIGUSR1 = 10;
    internal const int SIGUSR2 = 12;
    internal const int SIGTERM = 15;

    internal const int SIG_BLOCK = 0;
    internal const int SIG_UNBLOCK = 1;

    /// <summary>glibc's sigset_t: 1024 bits. Filled with sigemptyset/sigaddset, never by hand.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SigSet
    {
        private fixed ulong _bits[16];
    }

    [LibraryImport("libc", EntryPoint = "sigemptyset", SetLastError = true)]
    internal static unsafe partial int SigEmptySet(SigSet* set);

    [LibraryImport("libc", EntryPoint = "sigaddset", SetLastError = true)]
    internal static unsafe partial int SigAddSet(SigSet* set, int signal);

    /// <summary>Changes the calling thread's signal mask only. Returns an errno value (0 on success); it does not set errno.</summary>
    [LibraryImport("libc", EntryPoint = "pthread_sigmask", SetLastError = false)]
    internal static unsafe partial int PthreadSigMask(int how, SigSet* set, SigSet* oldSet);

    /// <summary>A set holding <paramref name="signals"/>.</summary>
    internal static unsafe SigSet SignalSet(ReadOnlySpan<int> signals)
    {
        SigSet set;
        _ = SigEmptySet(&set);
        foreach (int signal in signals)
        {
            _ = SigAddSet(&set, signal);
        }

        return set;
    }
}
