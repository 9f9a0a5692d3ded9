using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>A listening socket, and where its clients go: a connector's channel, with the record text naming the route.</summary>
internal sealed record AcceptSource(FileDescriptor Listening, HandoverChannel Channel, string RecordText);

/// <summary>Accepts clients on the listening sockets (one per rule) and hands each one to its connector.</summary>
/// <remarks>
/// Runs on one dedicated thread with poll + accept4, which works whether an inherited socket is
/// blocking or not. Accept errors that mean "out of descriptors or memory"
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM) leave the client in the kernel's queue: we back off instead of
/// retrying at once, so the CPU does not spin, and pick it up when a descriptor is free again.
/// Clients are not taken in bursts: measured, sending several per record made no difference to the
/// connection rate (docs/architecture.md, "Performance notes").
/// </remarks>
internal sealed class AcceptLoop
{
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ResourceWarningInterval = TimeSpan.FromSeconds(10);

    private readonly AcceptSource[] _sources;
    private DateTime _lastResourceWarning = DateTime.MinValue;
    private volatile bool _stopped;

    public AcceptLoop(IReadOnlyList<AcceptSource> sources)
    {
        _sources = [.. sources];
    }

    /// <summary>
    /// Accepts until <paramref name="maxClients"/> have been handed over (or forever when null),
    /// or until <see cref="Stop"/>.
    /// </summary>
    public unsafe void Run(int? maxClients)
    {
        var pollFds = new Libc.PollFd[_sources.Length];
        for (int i = 0; i < _sources.Length; i++)
        {
            pollFds[i] = new Libc.PollFd { Fd = _sources[i].Listening.Number, Events = Libc.POLLIN };
        }

        long handed = 0;
        while (!_stopped && (maxClients is null || handed < maxClients))
        {
            WaitForClients(pollFds);

            // One client from each ready socket per round, so that a busy rule cannot starve another.
            for (int i = 0; i < pollFds.Length && (maxClients is null || handed < maxClients); i++)
            {
                if (pollFds[i].Revents == 0)
                {
                    continue;
                }

                int client = TryAccept(_sources[i]);
                if (client < 0)
                {
                    continue;
                }

                // The kernel copies the descriptor into the connector; ours is closed right after,
                // whatever happens, so that the listener never holds a client open.
                using var descriptor = new FileDescriptor(client);
                HandOver(_sources[i], client);
                handed++;
            }
        }
    }

    /// <summary>
    /// Sends one client to its connector. An unprivileged process may have at most RLIMIT_NOFILE
    /// descriptors in flight in UNIX sockets (ETOOMANYREFS); when the connector is full and stops
    /// reading, that limit is reached: wait for it to take some, as with EMFILE, rather than fail.
    /// </summary>
    private void HandOver(AcceptSource source, int client)
    {
        while (true)
        {
            try
            {
                source.Channel.Send(HandoverMessageKind.Client, source.RecordText, client);
                return;
            }
            catch (SyscallException e) when (e.Errno is Errno.ETOOMANYREFS or Errno.ENOBUFS or Errno.ENOMEM)
            {
                if (_stopped)
                {
                    return; // stopping: this client was never relayed; it is closed with our copy
                }

                WarnAboutResources(e);
                Thread.Sleep(ResourceBackoff);
            }
        }
    }

    /// <summary>
    /// Ends <see cref="Run"/> from another thread: shutdown(SHUT_RD) on a listening socket wakes a
    /// poll or accept blocked on it, and makes further accepts fail. Clients still in the kernel's
    /// queue are reset when the socket closes; they were never relayed, so nothing is cut.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        foreach (var source in _sources)
        {
            _ = Libc.Shutdown(source.Listening.Number, SHUT_RD);
        }
    }

    private const int SHUT_RD = 0;

    // poll, then accept4: two calls per client (accepting first costs a failed call whenever
    // clients come one at a time). SOCK_NONBLOCK, with TCP_NODELAY inherited from the listening
    // socket, hands the connector a socket ready for its event loop (the file status flags travel
    // with SCM_RIGHTS). Returns -1 when there was nothing to take after all.
    private unsafe int TryAccept(AcceptSource source)
    {
        int fd = Libc.Accept4(source.Listening.Number, null, null, Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK);
        if (fd >= 0)
        {
            return fd;
        }

        var error = SyscallException.FromLastError("accept4", "listening socket");
        switch (error.Errno)
        {
            case Errno.EAGAIN or Errno.EINTR or Errno.ECONNABORTED or Errno.EPROTO or Errno.EPERM:
                // The client went away before we took it, or a firewall refused it.
                return -1;
            case Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM:
                WarnAboutResources(error);
                Thread.Sleep(ResourceBackoff);
                return -1;
            default:
                if (_stopped)
                {
                    return -1;
                }

                throw error;
        }
    }

    private static unsafe void WaitForClients(Libc.PollFd[] pollFds)
    {
        fixed (Libc.PollFd* first = pollFds)
        {
            if (Libc.Poll(first, (ulong)pollFds.Length, -1) < 0)
            {
                var error = SyscallException.FromLastError("poll", "listening sockets");
                if (error.Errno != Errno.EINTR)
                {
                    throw error;
                }

                // Interrupted: nothing is ready; clear what an earlier round reported.
                for (int i = 0; i < pollFds.Length; i++)
                {
                    pollFds[i].Revents = 0;
                }
            }
        }
    }

    private void WarnAboutResources(SyscallException error)
    {
        var now = DateTime.UtcNow;
        if (now - _lastResourceWarning >= ResourceWarningInterval)
        {
            _lastResourceWarning = now;
            Log.Warning($"cannot take new clients: {error.Call}: {error.Reason}; they wait in the queue until descriptors are free (raise the limit with ulimit -n)");
        }
    }
}
