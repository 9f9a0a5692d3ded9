using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts.Listener;

/// <summary>Accepts clients on the listening socket and hands each one to the connector.</summary>
/// <remarks>
/// Runs on one dedicated thread with poll + accept4, which works whether an inherited socket is
/// blocking or not. Accept errors that mean "out of descriptors or memory"
/// (EMFILE, ENFILE, ENOBUFS, ENOMEM) leave the client in the kernel's queue: we back off instead of
/// retrying at once, so the CPU does not spin, and pick it up when a descriptor is free again.
/// </remarks>
internal sealed class AcceptLoop
{
    private static readonly TimeSpan ResourceBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ResourceWarningInterval = TimeSpan.FromSeconds(10);

    private readonly FileDescriptor _listening;
    private readonly HandoverChannel _channel;
    private DateTime _lastResourceWarning = DateTime.MinValue;

    public AcceptLoop(FileDescriptor listening, HandoverChannel channel)
    {
        _listening = listening;
        _channel = channel;
    }

    private volatile bool _stopped;

    /// <summary>
    /// Accepts until <paramref name="maxClients"/> have been handed over (or forever when null),
    /// or until <see cref="Stop"/>.
    /// </summary>
    public void Run(int? maxClients)
    {
        for (int handed = 0; maxClients is null || handed < maxClients; handed++)
        {
            int client = AcceptOne();
            if (client < 0)
            {
                return;
            }

            // The kernel copies the descriptor into the connector; ours is closed right after,
            // whatever happens, so that the listener never holds a client open.
            using var descriptor = new FileDescriptor(client);
            HandOver(client);
        }
    }

    /// <summary>
    /// Sends one client to the connector. An unprivileged process may have at most RLIMIT_NOFILE
    /// descriptors in flight in UNIX sockets (ETOOMANYREFS); when the connector is full and stops
    /// reading, that limit is reached: wait for it to take some, as with EMFILE, rather than fail.
    /// </summary>
    private void HandOver(int client)
    {
        while (true)
        {
            try
            {
                _channel.Send(HandoverMessageKind.Client, HandoverChannel.PreparedClient, client);
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

    // poll, then accept4: two calls per client whatever the load (accepting first costs three when
    // clients come one at a time, and saves one only when they queue up). SOCK_NONBLOCK, with TCP_NODELAY inherited from the listening socket, hands the connector a
    // socket ready for its event loop (the file status flags travel with SCM_RIGHTS).
    /// <summary>
    /// Ends <see cref="Run"/> from another thread: shutdown(SHUT_RD) on a listening socket wakes a
    /// poll or accept blocked on it, and makes further accepts fail. Clients still in the kernel's
    /// queue are reset when the socket closes; they were never relayed, so nothing is cut.
    /// </summary>
    public void Stop()
    {
        _stopped = true;
        _ = Libc.Shutdown(_listening.Number, SHUT_RD);
    }

    private const int SHUT_RD = 0;

    private unsafe int AcceptOne()
    {
        while (!_stopped)
        {
            WaitForClient();
            int fd = Libc.Accept4(_listening.Number, null, null, Libc.SOCK_CLOEXEC | Libc.SOCK_NONBLOCK);
            if (fd >= 0)
            {
                return fd;
            }

            var error = SyscallException.FromLastError("accept4", "listening socket");
            switch (error.Errno)
            {
                case Errno.EAGAIN or Errno.EINTR or Errno.ECONNABORTED or Errno.EPROTO or Errno.EPERM:
                    // The client went away before we took it, or a firewall refused it.
                    continue;
                case Errno.EMFILE or Errno.ENFILE or Errno.ENOBUFS or Errno.ENOMEM:
                    WarnAboutResources(error);
                    Thread.Sleep(ResourceBackoff);
                    continue;
                default:
                    if (_stopped)
                    {
                        return -1;
                    }

                    throw error;
            }
        }

        return -1;
    }

    private unsafe void WaitForClient()
    {
        var pollFd = new Libc.PollFd { Fd = _listening.Number, Events = Libc.POLLIN };
        if (Libc.Poll(&pollFd, 1, -1) < 0)
        {
            var error = SyscallException.FromLastError("poll", "listening socket");
            if (error.Errno != Errno.EINTR)
            {
                throw error;
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
