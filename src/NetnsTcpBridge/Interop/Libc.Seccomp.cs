using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Interop;

internal static partial class Libc
{
    internal const uint SECCOMP_SET_MODE_FILTER = 1;

    /// <summary>Installs the filter on every thread of the process, and gives each no_new_privs if the caller has it.</summary>
    internal const uint SECCOMP_FILTER_FLAG_TSYNC = 1;

    /// <summary>BPF_RET | BPF_K: return the constant.</summary>
    internal const ushort BPF_RET_K = 0x06;

    /// <summary>BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at offset K of struct seccomp_data.</summary>
    internal const ushort BPF_LD_W_ABS = 0x20;

    /// <summary>BPF_JMP | BPF_JEQ | BPF_K: jump by JumpTrue if the word equals K, else by JumpFalse.</summary>
    internal const ushort BPF_JMP_JEQ_K = 0x15;

    /// <summary>BPF_JMP | BPF_JGE | BPF_K: jump by JumpTrue if the word is at least K, else by JumpFalse.</summary>
    internal const ushort BPF_JMP_JGE_K = 0x35;

    /// <summary>Offsets in struct seccomp_data.</summary>
    internal const uint SECCOMP_DATA_NR = 0;
    internal const uint SECCOMP_DATA_ARCH = 4;

    internal const uint AUDIT_ARCH_X86_64 = 0xC000003E;

    /// <summary>System call numbers at and above this are x32's ABI on x86-64.</summary>
    internal const uint X32_SYSCALL_BIT = 0x40000000;

    internal const uint SECCOMP_RET_ALLOW = 0x7fff0000;
    internal const uint SECCOMP_RET_TRAP = 0x00030000;
    internal const uint SECCOMP_RET_KILL_PROCESS = 0x80000000;

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
