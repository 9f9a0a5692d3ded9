using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Parts.Connector;

/// <summary>
/// The listening sockets of this connector's routes, handed over once at start: the event loops
/// accept on them directly, so a client goes from the kernel's queue to the loop that serves it
/// with one accept4 and no other process involved.
/// </summary>
/// <remarks>
/// A socket belongs to the namespace it was created in, whoever accepts on it: the listener made
/// these in the listen namespace, and the accepted clients are there too. accept4 gives each a
/// non-blocking, close-on-exec socket; TCP_NODELAY is inherited from the listening socket (set by
/// the listener), so the client is ready for the loop without another system call.
/// </remarks>
internal sealed class ListeningClientSource : IClientSource, IDisposable
{
    private readonly FileDescriptor[] _listening;
    private readonly int[] _routes;
    private readonly int[] _descriptors;
    private readonly int? _maxClients;
    private int _taken;
    private int _stopped;

    /// <param name="listening">Each listening socket and the route its clients take; owned by this source from now on.</param>
    /// <param name="maxClients">Clients to take in all before stopping by itself (1 for a one-shot bridge); null: no limit.</param>
    public ListeningClientSource(IReadOnlyList<(FileDescriptor Socket, int Route)> listening, int? maxClients)
    {
        _listening = [.. listening.Select(entry => entry.Socket)];
        _routes = [.. listening.Select(entry => entry.Route)];
        _descriptors = [.. _listening.Select(socket => socket.Number)];
        _maxClients = maxClients;
        foreach (int fd in _descriptors)
        {
            // Several loops may wake for one client; those that lose the race must get EAGAIN,
            // not block. An inherited socket (-L, socket activation) may come blocking.
            int flags = Libc.Fcntl(fd, Libc.F_GETFL, 0);
            if (flags < 0 || Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK) < 0)
            {
                throw SyscallException.FromLastError("fcntl(F_SETFL, O_NONBLOCK)", "listening socket");
            }
        }
    }

    public IReadOnlyList<int> ReadinessDescriptors => _descriptors;

    private readonly ManualResetEventSlim _finished = new();

    /// <summary>Set once no more clients will be taken: after <see cref="Stop"/>, or when the one-shot client was taken.</summary>
    public WaitHandle Finished => _finished.WaitHandle;

    public ClientTake TryTake(int index, out HandedOverClient client)
    {
        client = default;
        if (_maxClients is { } max && Interlocked.Increment(ref _taken) > max)
        {
            return ClientTake.Finished;
        }

        AcceptResult accepted;
        try
        {
            accepted = SocketAccept.Take(_descriptors[index], "listening socket");
        }
        catch (SyscallException)
        {
            // EINVAL after Stop's shutdown(SHUT_RD), or anything else that will not get better.
            GiveBackTake();
            return ClientTake.Finished;
        }

        if (accepted.Outcome != AcceptOutcome.Socket)
        {
            GiveBackTake();

            // Otherwise another loop took it, or the client went away or a firewall refused it before we took it.
            return accepted.Outcome == AcceptOutcome.DescriptorLimit
                ? ResourceWarning.Report(new SyscallException("accept4", "listening socket", accepted.ErrorNumber))
                : ClientTake.NoneYet;
        }

        // The client's socket is the calling loop's from here.
        client = new HandedOverClient(accepted.Socket, Server: -1, Prepared: true, _routes[index]);
        if (_maxClients is { } limit && Volatile.Read(ref _taken) >= limit)
        {
            Stop();
        }

        return ClientTake.Client;
    }

    private void GiveBackTake()
    {
        if (_maxClients is not null)
        {
            Interlocked.Decrement(ref _taken);
        }
    }

    /// <summary>
    /// Takes no more clients: shutdown(SHUT_RD) on a listening socket wakes every loop watching it
    /// and makes further accepts fail. Clients still in the kernel's queue are reset; they were
    /// never relayed, so nothing is cut. Callable from any thread, more than once.
    /// </summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        foreach (int fd in _descriptors)
        {
            _ = Libc.Shutdown(fd, Libc.SHUT_RD);
        }

        _finished.Set();
    }

    public void Dispose()
    {
        foreach (var socket in _listening)
        {
            socket.Dispose();
        }

        _finished.Dispose();
    }
}
