using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const uint SECCOMP_SET_MODE_FILTER = 1;

    /// <summary>Installs the filter on every thread of the process, and gives each no_new_privs if the caller has it.</summary>
    internal const uint SECCOMP_FILTER_FLAG_TSYNC = 1;

    /// <summary>BPF_RET | BPF_K: return the constant.</summary>
    internal const ushort BPF_RET_K = 0x06;
    internal const uint SECCOMP_RET_ALLOW = 0x7fff0000;

    /// <summary>struct sock_filter: one classic BPF instruction.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    /// <summary>struct sock_fprog.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    /// <summary>seccomp(2) has no glibc wrapper, and its number differs between architectures.</summary>
    internal static unsafe int Seccomp(uint operation, uint flags, SockFprog* program)
    {
        long number = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => 317,
            Architecture.Arm64 => 277,
            var other => throw new PlatformNotSupportedException($"seccomp: no system call number known for {other}"),
        };
        return (int)SeccompSyscall(number, operation, flags, program);
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static unsafe partial long SeccompSyscall(long number, long operation, long flags, SockFprog* program);
}
