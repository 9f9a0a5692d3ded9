using System.Collections.Concurrent;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// One thread with its own epoll: owns the connections given to it from start to end, so that
/// no connection state is ever shared between threads.
/// </summary>
/// <remarks>
/// Each socket is registered once, edge-triggered, for EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI.
/// The epoll token holds the connection's slot, its generation and which socket it is, so a stale
/// event for a slot that was freed and reused in the same batch is recognised and dropped.
/// Other threads hand work in through a queue and an eventfd.
/// </remarks>
internal sealed partial class EventLoop
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxSpareConnections = 256;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly RelayContext _context;
    private readonly ConcurrentQueue<Action<EventLoop>> _inbox = new();

    /// <summary>Clients other loops passed to this one: a queue of their own, so that passing one allocates nothing.</summary>
    private readonly ConcurrentQueue<HandedOverClient> _passedClients = new();
    private readonly List<RelayConnection?> _slots = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly Stack<RelayConnection> _spareConnections = new();
    private readonly Queue<(RelayConnection Connection, uint Generation, int Attempt, long Deadline)> _connectDeadlines = new();
    private readonly DeadlineHeap<RelayConnection> _idleDeadlines = new();
    private readonly DeadlineHeap<ResetDrainCheck> _resetDrains = new();
    private readonly Thread _thread;
    private uint _nextGeneration;

    public EventLoop(RelayOptions options, RelayEngine engine, IClientSource source, int index)
    {
        _epoll = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw SyscallException.FromLastError("epoll_create1", "relay event loop");
        }

        _wake = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (_wake < 0)
        {
            throw SyscallException.FromLastError("eventfd", "relay event loop");
        }

        Register(_wake, Libc.EPOLLIN, WakeToken);
        _source = source;
        _sources = new SourceState[source.ReadinessDescriptors.Count];
        _ = HoldReserveDescriptor(); // from the start, so the number of descriptors held does not drift
        WatchSources();
        _context = new RelayContext(options, this, engine);
        _thread = new Thread(Run) { IsBackground = true, Name = $"relay loop {index}" };
    }

    public void Start() => _thread.Start();

    /// <summary>Connections this loop serves now; read by the other loops to spread new clients.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private int _connections;

    /// <summary>Environment.TickCount64 read once per wake-up: what connections note as the time of their last transfer.</summary>
    public long NowTicks { get; private set; } = Environment.TickCount64;

    /// <summary>Runs <paramref name="work"/> on this loop's thread; callable from any thread.</summary>
    public void Post(Action<EventLoop> work)
    {
        _inbox.Enqueue(work);
        Wake();
    }

    /// <summary>Gives this loop a client another loop took (see AdoptOrPass); callable from any thread.</summary>
    public void Pass(HandedOverClient client)
    {
        _passedClients.Enqueue(client);
        Wake();
    }

    private unsafe void Wake()
    {
        ulong one = 1;
        _ = Libc.Write(_wake, &one, sizeof(ulong));
    }

    /// <summary>Takes ownership of a client (and of a handed-over server socket, or -1) and starts relaying.</summary>
    private void Adopt(HandedOverClient client)
    {
        if ((uint)client.Route >= (uint)_context.Routes.Count)
        {
            // Only a listener of another version could send this: refuse the client, not the process.
            Log.Error($"client for route {client.Route}, but this connector knows {_context.Routes.Count}; closing it");
            _ = Libc.Close(client.Client);
            if (client.Server >= 0)
            {
                _ = Libc.Close(client.Server);
            }

            _context.OnClosed();
            return;
        }

        RelayConnection connection;
        if (_spareConnections.TryPop(out var spare))
        {
            connection = spare;
            connection.Reuse(client);
        }
        else
        {
            connection = new RelayConnection(client, _context);
        }

        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        _slots[slot] = connection;
        Interlocked.Increment(ref _connections);
        connection.Slot = slot;
        // Generation uint.MaxValue would make tokens that could match the loop's own (WakeToken, source tokens).
        connection.Generation = _nextGeneration = _nextGeneration >= uint.MaxValue - 1 ? 1 : _nextGeneration + 1;
        try
        {
            connection.Start(this);
        }
        catch (Exception e)
        {
            ResetAfterFault(connection, e);
        }
    }

    public void Watch(RelayConnection connection, int fd, bool isServer)
    {
        ulong token = ((ulong)connection.Generation << 32) | ((ulong)connection.Slot << 1) | (isServer ? 1UL : 0UL);
        Register(fd, Libc.EPOLLIN | Libc.EPOLLOUT | Libc.EPOLLRDHUP | Libc.EPOLLPRI | Libc.EPOLLET, token);
    }

    /// <summary>Drops a connection that is about to close its sockets.</summary>
    public unsafe void Forget(RelayConnection connection)
    {
        // Closing the last descriptor of a socket removes it from epoll by itself; a socket that
        // may live on elsewhere is removed explicitly, or its events would keep coming.
        if (connection.MayBeShared)
        {
            _ = Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, connection.Client, null);
            if (connection.Server >= 0)
            {
                _ = Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, connection.Server, null);
            }
        }

        StopIdleTracking(connection);
        if (connection.ResetDrain is { } check)
        {
            _resetDrains.Remove(check);
        }

        if (connection.Slot >= 0 && ReferenceEquals(_slots[connection.Slot], connection))
        {
            _slots[connection.Slot] = null;
            _freeSlots.Push(connection.Slot);
            Interlocked.Decrement(ref _connections);
            connection.Slot = -1;
        }
    }

    /// <summary>
    /// Keeps a closed connection's object for the next client (RelayConnection.Reuse.cs), up to
    /// <see cref="MaxSpareConnections"/>: enough for any steady rate of short connections, while
    /// a burst of many leaves no more than that behind.
    /// </summary>
    public void Recycle(RelayConnection connection)
    {
        if (_spareConnections.Count < MaxSpareConnections)
        {
            _spareConnections.Push(connection);
        }
    }

    /// <summary>Resets every connection of this loop.</summary>
    public void AbortAll(CloseReason reason)
    {
        foreach (var connection in _slots.ToArray())
        {
            connection?.Abort(reason);
        }
    }

    private int AddSlot()
    {
        _slots.Add(null);
        return _slots.Count - 1;
    }

    private unsafe void Register(int fd, uint events, ulong token)
    {
        var registration = new Libc.EpollEvent { Events = events, Data = token };
        if (Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_ADD, fd, &registration) != 0)
        {
            throw SyscallException.FromLastError("epoll_ctl(EPOLL_CTL_ADD)", $"fd {fd}");
        }
    }

    private unsafe void Run()
    {
        Log.NeverWaitOnThisThread(); // a stderr nobody reads must not stop relaying
        var events = stackalloc Libc.EpollEvent[MaxEvents];
        while (true)
        {
            int count = Libc.EpollWait(_epoll, events, MaxEvents, NextTimeout());
            NowTicks = Environment.TickCount64;
            if (count < 0)
            {
                var error = SyscallException.FromLastError("epoll_wait", "relay event loop");
                if (error.Errno == Errno.EINTR)
                {
                    continue;
                }

                Log.Error($"relay event loop failed: {error.Message}");
                Log.FlushQueued(TimeSpan.FromSeconds(1));
                Environment.Exit(1);
            }

            for (int i = 0; i < count; i++)
            {
                if (events[i].Data == WakeToken)
                {
                    DrainInbox();
                }
                else if (IsSourceToken(events[i].Data, out int source))
                {
                    TakeClient(source);
                }
                else
                {
                    Dispatch(events[i].Data, events[i].Events);
                }
            }

            CheckDeadlines();
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        int slot = (int)((uint)token >> 1);
        uint generation = (uint)(token >> 32);
        var connection = slot < _slots.Count ? _slots[slot] : null;
        if (connection is null || connection.Generation != generation)
        {
            return;
        }

        try
        {
            connection.OnEvents(isServer: (token & 1) != 0, events);
        }
        catch (Exception e)
        {
            ResetAfterFault(connection, e);
        }
    }

    // A fault in one connection resets that connection and leaves the others running.
    private static void ResetAfterFault(RelayConnection connection, Exception e)
    {
        Log.Error($"{connection.LogName}: internal error, resetting this connection: {e.Message}");
        Log.DebugDetails(e.ToString());
        connection.Abort(CloseReason.InternalError);
    }

    private unsafe void DrainInbox()
    {
        ulong value;
        _ = Libc.Read(_wake, &value, sizeof(ulong));
        while (_passedClients.TryDequeue(out var client))
        {
            Interlocked.Decrement(ref _connections); // counted by the loop that passed it, until now
            Adopt(client);
        }

        while (_inbox.TryDequeue(out var work))
        {
            work(this);
        }
    }
}
