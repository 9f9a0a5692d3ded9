using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Privileges;

/// <summary>
/// Confines a part, once set up, to the system calls of <see cref="SyscallAllowList"/>, on every
/// thread it has and will have.
/// </summary>
/// <remarks>
/// Any other call is refused with SIGSYS, which the executable's own handler (Native/early_signals.c
/// in the CLI) turns into an EPERM for the caller and one warning line naming the call: a part
/// that meets a call the list lacks keeps serving, and says so. A call through another ABI (x32)
/// is refused the same way; a foreign architecture ends the process.
/// The filter needs no_new_privs on every thread, which both parts are born with (see
/// <see cref="CapabilityDrop"/> and <see cref="PrivilegeDrop"/>); TSYNC puts it on every thread.
/// </remarks>
internal static class SyscallFilter
{
    public static unsafe void Install(string part)
    {
        var allowed = SyscallAllowList.Numbers;
        int count = allowed.Length;

        // ld arch; jeq x86-64 or kill; ld nr; jge x32 → refuse; jeq each allowed → allow; refuse; allow; kill.
        int refuse = 4 + count, allow = refuse + 1, kill = allow + 1;
        var program = new Libc.SockFilter[kill + 1];
        program[0] = Load(Libc.SECCOMP_DATA_ARCH);
        program[1] = Jump(Libc.BPF_JMP_JEQ_K, Libc.AUDIT_ARCH_X86_64, from: 1, whenTrue: 2, whenFalse: kill);
        program[2] = Load(Libc.SECCOMP_DATA_NR);
        program[3] = Jump(Libc.BPF_JMP_JGE_K, Libc.X32_SYSCALL_BIT, from: 3, whenTrue: refuse, whenFalse: 4);
        for (int i = 0; i < count; i++)
        {
            program[4 + i] = Jump(Libc.BPF_JMP_JEQ_K, allowed[i], from: 4 + i, whenTrue: allow, whenFalse: 5 + i);
        }

        program[refuse] = Return(Libc.SECCOMP_RET_TRAP);
        program[allow] = Return(Libc.SECCOMP_RET_ALLOW);
        program[kill] = Return(Libc.SECCOMP_RET_KILL_PROCESS);

        fixed (Libc.SockFilter* instructions = program)
        {
            var fprog = new Libc.SockFprog { Length = (ushort)program.Length, Filter = instructions };
            int result = Libc.Seccomp(Libc.SECCOMP_SET_MODE_FILTER, Libc.SECCOMP_FILTER_FLAG_TSYNC, &fprog);
            if (result > 0)
            {
                // TSYNC names a thread it could not synchronise (one with a filter of its own).
                throw new BridgeException($"{part}: cannot install the system call filter: seccomp(TSYNC) could not reach thread {result}; stopping");
            }

            if (result < 0)
            {
                var error = SyscallException.FromLastError("seccomp", "SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC");
                if (error.Errno is Errno.ENOSYS or Errno.EINVAL)
                {
                    // A kernel built without seccomp filters: the part still runs without capabilities.
                    Log.Warning($"{part}: this kernel has no seccomp filters ({error.Reason}): serving without the system call filter");
                    return;
                }

                throw new BridgeException($"{part}: cannot install the system call filter: {error.Reason}; stopping", error);
            }
        }

        Log.Debug($"{part}: system call filter installed ({count} calls allowed)");
    }

    private static Libc.SockFilter Load(uint offset) => new() { Code = Libc.BPF_LD_W_ABS, K = offset };

    private static Libc.SockFilter Return(uint action) => new() { Code = Libc.BPF_RET_K, K = action };

    /// <summary>A conditional jump from instruction <paramref name="from"/> to absolute targets (BPF counts from the next one).</summary>
    private static Libc.SockFilter Jump(ushort code, uint value, int from, int whenTrue, int whenFalse) => new()
    {
        Code = code,
        K = value,
        JumpTrue = checked((byte)(whenTrue - from - 1)),
        JumpFalse = checked((byte)(whenFalse - from - 1)),
    };
}
