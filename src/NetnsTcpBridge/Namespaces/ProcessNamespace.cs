using System.Globalization;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Namespaces;

/// <summary>
/// Opens the network namespace of a process named by PID (<c>pid:PID</c>, <c>pid:PID@STARTTIME</c>)
/// so that a PID reused by another process cannot slip in between the checks and the open.
/// </summary>
/// <remarks>
/// A pidfd pins the process first. With a start time, the process behind the PID must have
/// started then (field 22 of <c>/proc/PID/stat</c>, clock ticks since boot), or it is refused:
/// after a restart an unprivileged <c>unshare -rn</c> process may have taken the PID. Once the
/// namespace file is open, the pidfd must show the process still alive; otherwise the PID may
/// already mean another process, and the open is refused. Either way the PID, its start time and
/// the namespace's identity are logged, so that an operator can pin them.
/// </remarks>
public static class ProcessNamespace
{
    public static NetworkNamespace Open(int pid, ulong? expectedStartTime, string role)
    {
        int pidfd = Libc.PidfdOpen(pid);
        if (pidfd < 0)
        {
            var error = SyscallException.FromLastError("pidfd_open", pid.ToString(CultureInfo.InvariantCulture));
            if (error.Errno == Errno.ESRCH)
            {
                throw new BridgeException($"no process with pid {pid} for the {role} netns", error);
            }

            // Without pidfds (before Linux 5.3) the start time is still checked, the race is not closed.
            Log.Debug($"{role} netns of pid {pid}: no pidfd ({error.Reason})");
        }

        using var pinned = pidfd >= 0 ? new FileDescriptor(pidfd) : null;
        ulong startTime = StartTimeOf(pid, role);
        if (expectedStartTime is { } expected && expected != startTime)
        {
            throw new BridgeException($"the {role} netns names pid {pid} started at {expected}, but pid {pid} now is a process started at {startTime} (another process, after a restart?); check the PID and its start time (field 22 of /proc/{pid}/stat)");
        }

        var ns = NetworkNamespace.OpenOfProcess(pid, role);
        if (pinned is not null && HasExited(pinned))
        {
            ns.Dispose();
            throw new BridgeException($"the process with pid {pid} exited while its {role} netns was being opened; that PID may already be another process's");
        }

        Log.Info($"{role} netns: pid {pid}, started at {startTime} (give pid:{pid}@{startTime} to accept no other process), {NetworkNamespace.IdentityOf(ns)}");
        return ns;
    }

    /// <summary>Field 22 of /proc/PID/stat: when the process started, in clock ticks since boot.</summary>
    private static ulong StartTimeOf(int pid, string role)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BridgeException($"no process with pid {pid} for the {role} netns: /proc/{pid}/stat cannot be read ({e.Message})", e);
        }

        // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return ulong.Parse(fields[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture);
    }

    private static unsafe bool HasExited(FileDescriptor pidfd)
    {
        var entry = new Libc.PollFd { Fd = pidfd.Number, Events = Libc.POLLIN };
        return Libc.Poll(&entry, 1, 0) > 0;
    }
}
