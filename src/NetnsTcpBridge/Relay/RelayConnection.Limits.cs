namespace NetnsTcpBridge.Relay;

// Limits on one connection: --idle-timeout and --max-connections-per-source.
internal sealed partial class RelayConnection : IDeadlineHeapItem
{
    private long _lastActivityTicks;
    private long _bytesAtLastActivity;
    private long _idleDeadlineTicks;
    private UInt128 _source;
    private bool _countedForSource;

    long IDeadlineHeapItem.DeadlineTicks => _idleDeadlineTicks;

    int IDeadlineHeapItem.HeapIndex { get; set; } = -1;

    /// <summary>Environment.TickCount64 (as the loop saw it) when bytes last moved either way.</summary>
    public long LastActivityTicks => _lastActivityTicks;

    private void StartIdleTracking()
    {
        _lastActivityTicks = _context.Loop.NowTicks;
        if (_context.IdleTimeoutTicks > 0)
        {
            _idleDeadlineTicks = _lastActivityTicks + _context.IdleTimeoutTicks;
            _context.Loop.TrackIdle(this);
        }
    }

    // Per event, not per chunk, and no system call: the loop reads the clock once per wake-up.
    // The idle deadline itself is pushed back only when it comes due (see IdleDeadlineDue).
    private void NoteActivity()
    {
        long moved = _upload!.Bytes + _download!.Bytes;
        if (moved != _bytesAtLastActivity)
        {
            _bytesAtLastActivity = moved;
            _lastActivityTicks = _context.Loop.NowTicks;
        }
    }

    /// <summary>
    /// Called by the loop when the idle deadline has come. Returns the next deadline when bytes
    /// moved meanwhile (the heap re-arms it), or null after resetting the connection.
    /// </summary>
    internal long? IdleDeadlineDue(long now)
    {
        long due = _lastActivityTicks + _context.IdleTimeoutTicks;
        if (due > now)
        {
            _idleDeadlineTicks = due;
            return due;
        }

        End(CloseReason.IdleTimeout, $"no byte moved for {_context.Options.IdleTimeout!.Value.TotalSeconds:0.###} s");
        Close(reset: true);
        return null;
    }

    /// <summary>
    /// With --max-connections-per-source, counts this client against its source, the prefix of its
    /// address (the one a front proxy announced, if any; see <see cref="SourcePrefixes"/>), or
    /// resets it at once when the source has its share open (then false). UNIX-socket clients are
    /// not limited.
    /// </summary>
    private bool AdmitBySource()
    {
        var limiter = _context.Engine.SourceLimiter;
        if (limiter is null)
        {
            return true;
        }

        if (!TryGetSource(out UInt128 source))
        {
            return true;
        }

        if (limiter.TryEnter(source))
        {
            _source = source;
            _countedForSource = true;
            return true;
        }

        limiter.WarnRefused(_context.Options.SourcePrefixes.Describe(source));
        End(CloseReason.RefusedByPerSourceLimit, null);
        Close(reset: true);
        return false;
    }

    /// <summary>
    /// Once a PROXY header is read: counts the client under the source it announced instead of
    /// the socket's peer it was counted under while the header was awaited (or resets it, then
    /// false). Nothing moves when both are the same source.
    /// </summary>
    private bool MoveToAnnouncedSource()
    {
        // No address announced (LOCAL, UNKNOWN) leaves the socket's own standing.
        if (_countedForSource && (_proxyHeaderReader?.AnnouncedSource is null || (TryGetSource(out UInt128 announced) && announced == _source)))
        {
            return true;
        }

        LeaveSource();
        return AdmitBySource();
    }

    /// <summary>
    /// The source this client counts under: the prefix (<see cref="SourcePrefixes"/>) of the
    /// address a front proxy announced, or else of the socket's peer; false for a UNIX client.
    /// </summary>
    private bool TryGetSource(out UInt128 source)
    {
        UInt128 address;
        if (_proxyHeaderReader?.AnnouncedSource is { } announced)
        {
            address = SourceLimiter.KeyOf(announced.Address);
        }
        else if (!SourceLimiter.TryGetSource(Client, out address))
        {
            source = default;
            return false;
        }

        source = _context.Options.SourcePrefixes.KeyOf(address);
        return true;
    }

    private void LeaveSource()
    {
        if (_countedForSource)
        {
            _countedForSource = false;
            _context.Engine.SourceLimiter!.Leave(_source);
        }
    }
}
