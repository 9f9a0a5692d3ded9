using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

// Taking clients: every loop watches every descriptor of the client source (a listening socket per
// route) and accepts by itself. A loop stops watching while the engine is full, for a moment when
// descriptors run out, and for good once a descriptor will give no more clients.
internal sealed partial class EventLoop
{
    /// <summary>Source descriptor i is registered with token <c>FirstSourceToken - i</c>, just below <see cref="WakeToken"/>.</summary>
    private const ulong FirstSourceToken = WakeToken - 1;

    /// <summary>How long a loop leaves the sources alone after running out of descriptors or memory.</summary>
    private const int ResourceBackoffMilliseconds = 100;

    private readonly IClientSource _source;
    private readonly SourceState[] _sources;

    /// <summary>When the sources paused for want of resources are watched again (TickCount64), or long.MaxValue.</summary>
    private long _sourcesPausedUntil = long.MaxValue;

    private enum SourceState
    {
        Unwatched,
        Watched,
        Finished,
    }

    private bool IsSourceToken(ulong token, out int index)
    {
        ulong offset = FirstSourceToken - token;
        index = (int)Math.Min(offset, int.MaxValue);
        return token != WakeToken && offset < (ulong)_sources.Length;
    }

    /// <summary>Watches every source descriptor not watched yet and not finished. Level-triggered and exclusive: a waiting client wakes one loop (or a few), not all.</summary>
    private void WatchSources()
    {
        for (int i = 0; i < _sources.Length; i++)
        {
            if (_sources[i] == SourceState.Unwatched)
            {
                Register(_source.ReadinessDescriptors[i], Libc.EPOLLIN | Libc.EPOLLEXCLUSIVE, FirstSourceToken - (ulong)i);
                _sources[i] = SourceState.Watched;
            }
        }
    }

    private unsafe void UnwatchSource(int index, SourceState becomes)
    {
        if (_sources[index] == SourceState.Watched)
        {
            _ = Libc.EpollCtl(_epoll, Libc.EPOLL_CTL_DEL, _source.ReadinessDescriptors[index], null);
        }

        _sources[index] = becomes;
    }

    private void UnwatchSources()
    {
        for (int i = 0; i < _sources.Length; i++)
        {
            if (_sources[i] == SourceState.Watched)
            {
                UnwatchSource(i, SourceState.Unwatched);
            }
        }
    }

    /// <summary>
    /// Takes one client per wake-up. The source is watched level-triggered, so while more clients
    /// wait, the next epoll_wait reports it again at once, along with the events of open
    /// connections: a burst cannot starve them. Taking until EAGAIN cost an accept that found the
    /// queue empty after every wake-up, and one client per wake-up is the most common case.
    /// </summary>
    private void TakeClient(int index)
    {
        if (!_context.Engine.HasRoom)
        {
            // Full: leave further clients in the kernel's queues until connections close
            // (see OnConnectionClosed), rather than fail for descriptors.
            UnwatchSources();
            return;
        }

        if (!HoldReserveDescriptor())
        {
            // Not even one descriptor to spare: a client taken now could get no server socket.
            UnwatchSources();
            _sourcesPausedUntil = Environment.TickCount64 + ResourceBackoffMilliseconds;
            return;
        }

        // Counted before taking: whoever later sees "no more clients" from the source and
        // waits for the engine to be idle must already see this client.
        _context.Engine.OnConnectionOpened();
        var take = _source.TryTake(index, out var client);
        if (take != ClientTake.Client)
        {
            _context.Engine.OnConnectionClosed();
        }

        switch (take)
        {
            case ClientTake.Client:
                _context.Engine.Statistics.RecordTaken();
                AdoptOrPass(client);
                break;
            case ClientTake.NoneYet:
                break;
            case ClientTake.OutOfResources:
                // The source has said why (rate-limited); the clients stay in the kernel's queue.
                UnwatchSources();
                _sourcesPausedUntil = Environment.TickCount64 + ResourceBackoffMilliseconds;
                break;
            default:
                // Level-triggered end-of-file would wake this loop forever: stop watching.
                UnwatchSource(index, SourceState.Finished);
                break;
        }
    }

    /// <summary>
    /// Serves the client here, or gives it to the loop with the fewest connections when this loop
    /// has more. The loop that wakes first for a burst of clients (several streams of one client
    /// program open at once) would otherwise take them all and leave the other cores idle; a
    /// client goes to another loop only when the loads differ, at the cost of one eventfd write.
    /// </summary>
    private void AdoptOrPass(HandedOverClient client)
    {
        var lightest = _context.Engine.LeastLoadedLoop();
        if (lightest != this && lightest.Connections < Connections)
        {
            // Counted there at once, so that the next client of the burst sees the new load.
            Interlocked.Increment(ref lightest._connections);
            lightest.Pass(client);
            return;
        }

        Adopt(client);
    }

    /// <summary>
    /// A descriptor kept open (on /dev/null) so that a client taken now can always get its server
    /// socket: without it, a process at its descriptor limit would accept a client and then have
    /// to reset it for want of a socket. Held again before each client is taken.
    /// </summary>
    private int _reserveDescriptor = -1;

    private bool HoldReserveDescriptor()
    {
        if (_reserveDescriptor < 0)
        {
            _reserveDescriptor = Libc.Open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
            if (_reserveDescriptor < 0)
            {
                ResourceWarning.Report(SyscallException.FromLastError("open", "/dev/null"));
            }
        }

        return _reserveDescriptor >= 0;
    }

    /// <summary>Gives up the reserve descriptor, so that the socket about to be created fits; false when there was none.</summary>
    public bool ReleaseReserveDescriptor()
    {
        if (_reserveDescriptor < 0)
        {
            return false;
        }

        _ = Libc.Close(_reserveDescriptor);
        _reserveDescriptor = -1;
        return true;
    }

    /// <summary>Called on this loop's thread when one of its connections has closed.</summary>
    public void OnConnectionClosed()
    {
        if (_sourcesPausedUntil == long.MaxValue && _context.Engine.HasRoomToResume)
        {
            WatchSources();
        }
    }

    /// <summary>Part of <see cref="NextTimeout"/>: when the paused sources are due again.</summary>
    private long NextSourceDeadline() => _sourcesPausedUntil;

    /// <summary>Part of <see cref="CheckDeadlines"/>: watches the sources again once the pause is over.</summary>
    private void CheckSourceDeadline(long now)
    {
        if (_sourcesPausedUntil <= now)
        {
            _sourcesPausedUntil = long.MaxValue;
            if (_context.Engine.HasRoomToResume)
            {
                WatchSources();
            }
        }
    }
}
