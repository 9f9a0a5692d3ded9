using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>
/// Watches the processes whose network namespaces were named by PID (<c>--exit-with-netns-owner</c>)
/// and reports the first one to exit, the way pasta follows its namespace's process.
/// </summary>
/// <remarks>
/// A pidfd (pidfd_open, Linux 5.3+) becomes readable when its process exits, and it always means
/// the process it was opened on, even once the PID is reused. So the pidfds are opened before the
/// namespace files: if a process exits and its PID is taken by another before /proc/PID/ns/net is
/// opened, <see cref="EnsureAllRunning"/> notices. One thread waits in poll; nothing is polled on a timer.
/// </remarks>
internal sealed class NamespaceOwnerWatch : IDisposable
{
    private readonly List<(NamespaceOwner Owner, FileDescriptor Pidfd)> _watched;
    private bool _started;

    private NamespaceOwnerWatch(List<(NamespaceOwner, FileDescriptor)> watched)
    {
        _watched = watched;
    }

    public static NamespaceOwnerWatch Open(IReadOnlyList<NamespaceOwner> owners)
    {
        var watched = new List<(NamespaceOwner, FileDescriptor)>();
        try
        {
            foreach (var owner in owners)
            {
                int fd = Libc.PidfdOpen(owner.Pid);
                if (fd < 0)
                {
                    var error = SyscallException.FromLastError("pidfd_open", owner.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    string setting = SettingNames.Of(Setting.ExitWithNamespaceOwner);
                    throw new BridgeException(error.Errno switch
                    {
                        Errno.ESRCH => $"no process with pid {owner.Pid} for the {owner.Role} netns: it cannot be watched ({setting})",
                        Errno.ENOSYS => $"cannot watch process {owner.Pid} ({setting}): pidfd_open needs Linux 5.3 or later",
                        _ => $"cannot watch process {owner.Pid} ({setting}): {error.Reason}",
                    }, error);
                }

                watched.Add((owner, new FileDescriptor(fd)));
            }
        }
        catch
        {
            foreach (var (_, pidfd) in watched)
            {
                pidfd.Dispose();
            }

            throw;
        }

        return new NamespaceOwnerWatch(watched);
    }

    /// <summary>The pidfds, by number, with their processes: for the serving image, which takes them over (<see cref="Adopt"/>).</summary>
    public IReadOnlyList<(int Pidfd, NamespaceOwner Owner)> Pidfds => [.. _watched.Select(entry => (entry.Pidfd.Number, entry.Owner))];

    /// <summary>Watches pidfds opened by the set-up image; this watch owns them from now on.</summary>
    public static NamespaceOwnerWatch Adopt(IReadOnlyList<(int Pidfd, NamespaceOwner Owner)> pidfds) =>
        new([.. pidfds.Select(entry => (entry.Owner, new FileDescriptor(entry.Pidfd)))]);

    /// <summary>Fails when a watched process has already exited (its namespace file may then belong to another process).</summary>
    public void EnsureAllRunning()
    {
        if (WaitForExit(deadline: Environment.TickCount64) is { } gone)
        {
            throw new BridgeException($"{gone} exited while the bridge was starting ({SettingNames.Of(Setting.ExitWithNamespaceOwner)})");
        }
    }

    /// <summary>
    /// Calls <paramref name="onExit"/> once, from a thread of its own, when the first watched process
    /// exits. From now on that thread owns the pidfds; it lives as long as the process.
    /// </summary>
    public void Start(Action<NamespaceOwner> onExit)
    {
        _started = true;
        var thread = new Thread(() =>
        {
            NamespaceOwner gone;
            try
            {
                gone = WaitForExit(PollDeadline.Never)!;
            }
            catch (SyscallException e)
            {
                Log.Error($"cannot watch the netns owners any more ({e.Message}); the bridge will not stop when they exit");
                return;
            }

            onExit(gone);
        })
        {
            IsBackground = true,
            Name = "netns owner watch",
        };
        thread.Start();
    }

    public void Dispose()
    {
        if (_started)
        {
            return; // the watching thread may still be in poll on them
        }

        foreach (var (_, pidfd) in _watched)
        {
            pidfd.Dispose();
        }
    }

    /// <summary>The first watched process found to have exited by the deadline (<see cref="PollDeadline.Never"/>: wait for one), else null.</summary>
    private NamespaceOwner? WaitForExit(long deadline)
    {
        Span<Libc.PollFd> pollFds = stackalloc Libc.PollFd[_watched.Count];
        for (int i = 0; i < _watched.Count; i++)
        {
            pollFds[i] = new Libc.PollFd { Fd = _watched[i].Pidfd.Number, Events = Libc.POLLIN };
        }

        _ = PollDeadline.Wait(pollFds, deadline, "pidfd");
        for (int i = 0; i < _watched.Count; i++)
        {
            if (pollFds[i].Revents != 0)
            {
                return _watched[i].Owner;
            }
        }

        return null;
    }
}
