using System.Runtime.InteropServices;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Namespaces;
using NetnsTcpBridge.Privileges;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>The connector part: this same executable, started inside the connect namespace.</summary>
/// <remarks>
/// .NET cannot fork, so "fork, then setns" is done the other way round: a throwaway thread enters
/// the connect namespace and calls posix_spawn there, and the child, every runtime thread included,
/// is born in that namespace. It inherits its end of the hand-over channel at
/// <see cref="ConnectorLaunch.ChannelDescriptor"/> and, with --metrics, its end of the statistics link at
/// <see cref="ConnectorLaunch.StatisticsDescriptor"/>; everything else of ours is close-on-exec.
/// </remarks>
internal sealed class ConnectorProcess
{
    /// <summary>Inherited descriptors are first copied to this number or above, clear of every target number.</summary>
    private const int FirstCopyDescriptor = 10;

    // Signals go through this descriptor, never by PID: the child may have been reaped, and its
    // PID given to another process, by the time a signal is sent. Kept for the life of the process
    // (close-on-exec, so neither the listener's next image nor a later connector inherits it).
    private readonly int _pidfd;

    private ConnectorProcess(int pid)
    {
        Pid = pid;

        // Still our unreaped child here (a zombie at worst), so the PID means it. -1 on a kernel
        // without pidfds (before 5.3): then signals go by PID.
        _pidfd = Libc.PidfdOpen(pid);
    }

    public int Pid { get; }

    /// <summary>The connector started by this process before it replaced its image (see <see cref="ListenerHandoff"/>).</summary>
    public static ConnectorProcess Adopt(int pid) => new(pid);

    /// <summary>
    /// Starts the connector inside <paramref name="connectNamespace"/> (or here when null). The
    /// child gets its own copies of <paramref name="channelEnd"/> and <paramref name="statisticsEnd"/>;
    /// the caller still owns (and must close) its own. The spawning thread, a throwaway one, first
    /// gives up what the child must not have, so that the child is born without it on every
    /// thread: every capability (see <see cref="CapabilityDrop"/>), or, when the connector is to
    /// switch to another user itself (<paramref name="switchesUser"/>, --user), no_new_privs only.
    /// </summary>
    public static ConnectorProcess Start(NetworkNamespace? connectNamespace, FileDescriptor channelEnd, FileDescriptor? statisticsEnd = null, bool switchesUser = false)
    {
        string[] arguments = [.. SelfCommand(), ConnectorLaunch.Argument];
        List<(int Source, int Target)> inherited = [(channelEnd.Number, ConnectorLaunch.ChannelDescriptor)];
        if (statisticsEnd is not null)
        {
            inherited.Add((statisticsEnd.Number, ConnectorLaunch.StatisticsDescriptor));
        }

        int pid = NamespaceThread.RunOnEndingThread(connectNamespace, "connect", () =>
        {
            if (!switchesUser)
            {
                CapabilityDrop.OnThisThread("connector part");
            }
            else if (Libc.Prctl(Libc.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
            {
                throw SyscallException.FromLastError("prctl", "PR_SET_NO_NEW_PRIVS");
            }

            return Spawn(arguments, inherited);
        });
        return new ConnectorProcess(pid);
    }

    /// <summary>Blocks until the child exits and reaps it.</summary>
    public ExitStatus WaitForExit()
    {
        while (true)
        {
            int status;
            int rc;
            unsafe
            {
                rc = Libc.WaitPid(Pid, &status, 0);
            }

            if (rc == Pid)
            {
                return ExitStatus.FromWaitStatus(status);
            }

            var error = SyscallException.FromLastError("waitpid", $"pid {Pid}");
            if (error.Errno != Errno.EINTR)
            {
                throw error;
            }
        }
    }

    /// <summary>True once the child has exited (it is not reaped: <see cref="WaitForExit"/> still tells how).</summary>
    public unsafe bool HasExited()
    {
        // waitid with WNOWAIT leaves the child to be reaped by WaitForExit.
        var info = stackalloc byte[128];
        return Libc.WaitId(Libc.P_PID, Pid, info, Libc.WEXITED | Libc.WNOHANG | Libc.WNOWAIT) == 0 && *(int*)(info + 16) == Pid;
    }

    /// <summary>Sends a signal to the child; false when it could not be sent (reaped, or EPERM).</summary>
    public bool TrySignal(int signal) =>
        (_pidfd >= 0 ? Libc.PidfdSendSignal(_pidfd, signal) : Libc.Kill(Pid, signal)) == 0;

    // Under Native AOT the process path is the executable itself; under "dotnet app.dll" it is the
    // dotnet host, which needs the assembly path as its first argument.
    private static string[] SelfCommand()
    {
        string path = Environment.ProcessPath ?? throw new BridgeException("cannot find the path of this executable to start the connector part");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? [path, Environment.GetCommandLineArgs()[0]]
            : [path];
    }

    private static unsafe int Spawn(string[] arguments, List<(int Source, int Target)> inherited)
    {
        // Each source is first copied (close-on-exec) above every target: a source sitting at
        // another's target number would be overwritten by an earlier dup2, and dup2(fd, fd) would
        // leave close-on-exec set. The copies are ours and closed below; dup2 clears close-on-exec
        // on the child's targets only.
        var copies = new List<int>(inherited.Count);

        var environment = Environment.GetEnvironmentVariables();
        var environmentLines = new List<string>(environment.Count);
        foreach (System.Collections.DictionaryEntry entry in environment)
        {
            environmentLines.Add($"{entry.Key}={entry.Value}");
        }

        IntPtr actions = Marshal.AllocHGlobal(256); // posix_spawn_file_actions_t is 80 bytes in glibc
        IntPtr attributes = Marshal.AllocHGlobal(Libc.PosixSpawnAttrSize);
        using var argv = new NativeStringArray(arguments);
        using var envp = new NativeStringArray(environmentLines);
        try
        {
            int rc = Libc.PosixSpawnFileActionsInit(actions);
            if (rc != 0)
            {
                throw new SyscallException("posix_spawn_file_actions_init", arguments[0], rc);
            }

            // Born with the handled signals blocked, as the executable keeps them until its
            // handlers are in place: one sent to the whole process group now waits for them.
            Check(Libc.PosixSpawnAttrInit(attributes), "posix_spawnattr_init", arguments[0]);
            var blocked = SignalInbox.HandledSet();
            Check(Libc.PosixSpawnAttrSetSigMask(attributes, &blocked), "posix_spawnattr_setsigmask", arguments[0]);
            Check(Libc.PosixSpawnAttrSetFlags(attributes, Libc.POSIX_SPAWN_SETSIGMASK), "posix_spawnattr_setflags", arguments[0]);

            foreach (var (source, target) in inherited)
            {
                int copy = Libc.Fcntl(source, Libc.F_DUPFD_CLOEXEC, FirstCopyDescriptor);
                if (copy < 0)
                {
                    throw SyscallException.FromLastError("fcntl(F_DUPFD_CLOEXEC)", $"fd {source}");
                }

                copies.Add(copy);
                rc = Libc.PosixSpawnFileActionsAddDup2(actions, copy, target);
                if (rc != 0)
                {
                    throw new SyscallException("posix_spawn_file_actions_adddup2", $"fd {copy} to {target}", rc);
                }
            }

            // After the dup2s: nothing else reaches the child. A descriptor the bridge inherited
            // without naming it (a parent's leak) must not end up in the part that faces the clients.
            Check(Libc.PosixSpawnFileActionsAddCloseFrom(actions, inherited.Max(entry => entry.Target) + 1), "posix_spawn_file_actions_addclosefrom_np", arguments[0]);

            int pid;
            rc = Libc.PosixSpawn(&pid, arguments[0], actions, attributes, argv.Pointer, envp.Pointer);
            if (rc != 0)
            {
                var error = new SyscallException("posix_spawn", arguments[0], rc);
                throw new BridgeException($"cannot start the connector part ({arguments[0]}): {error.Reason}", error);
            }

            return pid;
        }
        finally
        {
            _ = Libc.PosixSpawnFileActionsDestroy(actions);
            Marshal.FreeHGlobal(actions);
            _ = Libc.PosixSpawnAttrDestroy(attributes);
            Marshal.FreeHGlobal(attributes);
            foreach (int copy in copies)
            {
                _ = Libc.Close(copy);
            }
        }
    }

    private static void Check(int rc, string call, string subject)
    {
        if (rc != 0)
        {
            throw new SyscallException(call, subject, rc);
        }
    }
}
