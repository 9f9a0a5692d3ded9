using System.Globalization;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Privileges;

/// <summary>
/// Least privilege without --user: a part that keeps uid 0 still gives up every capability
/// before it serves. Done on the one thread that is about to execve or posix_spawn the part, so
/// the part is born without them on its first thread and every thread it ever starts.
/// </summary>
/// <remarks>
/// Capabilities, securebits and no_new_privs are per thread, and a thread cannot change another's;
/// a part that dropped them after its runtime had started threads would leave those threads
/// privileged. So the drop happens before the new image exists. SECBIT_NOROOT (locked) keeps
/// execve from handing uid 0 a full set again; the bounding set is emptied as well, the ambient
/// set cleared, and no_new_privs set, so no later execve can gain anything.
/// </remarks>
internal static class CapabilityDrop
{
    /// <summary>Drops every capability of the calling thread for good; throws when the kernel refuses.</summary>
    public static unsafe void OnThisThread(string part)
    {
        const int SecureBits = Libc.SECBIT_NOROOT | Libc.SECBIT_NOROOT_LOCKED | Libc.SECBIT_NO_SETUID_FIXUP | Libc.SECBIT_NO_SETUID_FIXUP_LOCKED;
        if (Libc.Prctl(Libc.PR_SET_SECUREBITS, SecureBits, 0, 0, 0) == 0)
        {
            int last = LastCapability();
            for (int capability = 0; capability <= last; capability++)
            {
                Check(Libc.Prctl(Libc.PR_CAPBSET_DROP, (nuint)capability, 0, 0, 0), "prctl", $"PR_CAPBSET_DROP {capability}", part);
            }
        }
        else if (Libc.GetUid() == 0 || Libc.GetEuid() == 0)
        {
            // Root without CAP_SETPCAP (a container that withheld it): the new image gets its
            // bounding set back from execve, and nothing here can prevent that.
            Log.Warning($"cannot lock SECBIT_NOROOT without CAP_SETPCAP: the {part} may run with the capabilities of its bounding set");
        }

        // Started as another user without CAP_SETPCAP: execve grants a non-root user nothing
        // (no_new_privs below rules out file capabilities), so emptying the sets is enough.

        Check(Libc.Prctl(Libc.PR_CAP_AMBIENT, Libc.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl", "PR_CAP_AMBIENT_CLEAR_ALL", part);
        var header = new Libc.CapUserHeader { Version = Libc.LINUX_CAPABILITY_VERSION_3, Pid = 0 };
        var none = stackalloc Libc.CapUserData[2];
        none[0] = default;
        none[1] = default;
        Check(Libc.CapSet(&header, none), "capset", "no capabilities", part);
        Check(Libc.Prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl", "PR_SET_NO_NEW_PRIVS", part);
    }

    private static int LastCapability()
    {
        // The kernel says which is the highest it knows; 40 (CAP_CHECKPOINT_RESTORE) when it cannot tell.
        try
        {
            return int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 40;
        }
    }

    private static void Check(int result, string call, string argument, string part)
    {
        if (result != 0)
        {
            var error = SyscallException.FromLastError(call, argument);
            throw new BridgeException($"cannot give up the capabilities of the {part}: {call}({argument}): {error.Reason}", error);
        }
    }
}
