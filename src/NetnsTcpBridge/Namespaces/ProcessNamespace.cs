using System.Globalization;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Namespaces;

/// <summary>
/// Opens the network namespace of a process named by PID (<c>pid:PID</c>, <c>pid:PID@STARTTIME</c>)
/// so that a PID reused by another process cannot slip in between the checks and the open.
/// </summary>
/// <remarks>
/// A pidfd pins the process first. Its namespace file and its start time (field 22 of
/// <c>/proc/PID/stat</c>, clock ticks since boot) are then read through <c>/proc/PID</c>, and
/// only afterwards is the pidfd asked whether the process is still alive: if it is, both reads
/// were of that very process, since a PID is not given to another while its process runs; if it
/// is not, the PID may already mean another process, and the open is refused. With a start time
/// given, a process that started at another moment is refused: after a restart an unprivileged
/// <c>unshare -rn</c> process may have taken the PID. With an inode given (<c>=net:[INODE]</c>),
/// a namespace with another inode is refused. The PID, its start time and the namespace's identity
/// are logged, with the spec that pins all three.
/// </remarks>
public static class ProcessNamespace
{
    public static NetworkNamespace Open(int pid, ulong? expectedStartTime, ulong? expectedInode, string role)
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
        var ns = NetworkNamespace.OpenOfProcess(pid, role);
        try
        {
            ulong startTime = StartTimeOf(pid, role);
            if (pinned is not null && HasExited(pinned))
            {
                throw new BridgeException($"the process with pid {pid} exited while its {role} netns was being opened; that PID may already be another process's");
            }

            if (expectedStartTime is { } expected && expected != startTime)
            {
                throw new BridgeException($"the {role} netns names pid {pid} started at {expected}, but pid {pid} now is a process started at {startTime} (another process, after a restart?); check the PID and its start time (field 22 of /proc/{pid}/stat)");
            }

            if (expectedInode is { } inode)
            {
                ns.EnsureInode(inode, role);
            }

            string identity = NetworkNamespace.IdentityOf(ns);
            Log.Info($"{role} netns: pid {pid}, started at {startTime}, {identity} (give pid:{pid}@{startTime}={identity} to accept no other process or namespace)");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
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

    private static bool HasExited(FileDescriptor pidfd) =>
        PollDeadline.Readable(pidfd.Number, deadline: Environment.TickCount64, "pidfd");
}
