using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// The relay: a set of event loops, one per core by default, that clients are spread over.
/// </summary>
public sealed class RelayEngine
{
    private readonly EventLoop[] _loops;
    private readonly object _idleGate = new();
    private int _active;

    /// <summary>Starts the event loops; from then on they take clients from <paramref name="source"/> by themselves.</summary>
    public RelayEngine(RelayOptions options, IClientSource source)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(source);
        Options = options;
        PipeBudget = new PipeBudget(options.PipeMemoryBudget);
        SourceLimiter = options.MaxConnectionsPerSource is { } perSource ? new SourceLimiter(perSource) : null;
        _loops = new EventLoop[Math.Max(1, options.Threads)];
        for (int i = 0; i < _loops.Length; i++)
        {
            _loops[i] = new EventLoop(options, this, source, i);
        }

        foreach (var loop in _loops)
        {
            loop.Start();
        }

        Log.Debug($"relay: {_loops.Length} event loop(s), copying with {(options.CopyMethod == CopyMethod.Splice ? "splice" : "buffered")}");
    }

    public RelayOptions Options { get; }

    /// <summary>Counters over the engine's life (see <see cref="RelayStatistics.Describe"/>).</summary>
    public RelayStatistics Statistics { get; } = new();

    /// <summary>Kernel memory the splice pipes of every loop may hold (--pipe-memory-budget).</summary>
    internal PipeBudget PipeBudget { get; }

    /// <summary>Open connections per client address, shared by every loop; null without --max-connections-per-source.</summary>
    internal SourceLimiter? SourceLimiter { get; }

    /// <summary>Connections accepted and not yet closed.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Whether one more client may be taken now (see <see cref="RelayOptions.MaxConnections"/>).</summary>
    internal bool HasRoom => Volatile.Read(ref _active) < Options.MaxConnections;

    /// <summary>Room enough again to resume taking clients: a margin below the maximum, so a loop does not flap.</summary>
    internal bool HasRoomToResume => Volatile.Read(ref _active) <= Options.MaxConnections - Math.Max(1, Options.MaxConnections / 16);

    /// <summary>Blocks until no connection is left, or <paramref name="limit"/> has passed; true when none is left.</summary>
    public bool WaitUntilIdle(TimeSpan limit)
    {
        long deadline = limit == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)limit.TotalMilliseconds;
        lock (_idleGate)
        {
            while (Volatile.Read(ref _active) > 0)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0)
                {
                    return false;
                }

                Monitor.Wait(_idleGate, (int)Math.Min(left, int.MaxValue));
            }
        }

        return true;
    }

    /// <summary>Resets every connection on every loop, waiting at most <paramref name="limit"/>; each close line gives <paramref name="reason"/>.</summary>
    public void AbortAll(TimeSpan limit, CloseReason reason)
    {
        // Not disposed: a loop that misses the limit may still signal it while the process exits.
        var done = new CountdownEvent(_loops.Length);
        foreach (var loop in _loops)
        {
            loop.Post(l =>
            {
                l.AbortAll(reason);
                done.Signal();
            });
        }

        done.Wait(limit);
    }

    /// <summary>The event loop serving the fewest connections now (the first of equals).</summary>
    internal EventLoop LeastLoadedLoop()
    {
        var lightest = _loops[0];
        for (int i = 1; i < _loops.Length; i++)
        {
            if (_loops[i].Connections < lightest.Connections)
            {
                lightest = _loops[i];
            }
        }

        return lightest;
    }

    internal void OnConnectionOpened() => Interlocked.Increment(ref _active);

    internal void OnConnectionClosed()
    {
        if (Interlocked.Decrement(ref _active) == 0)
        {
            lock (_idleGate)
            {
                Monitor.PulseAll(_idleGate);
            }
        }
    }
}
