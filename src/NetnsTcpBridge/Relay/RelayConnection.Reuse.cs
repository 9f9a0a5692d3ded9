namespace NetnsTcpBridge.Relay;

// Connection objects are used again: each loop keeps those of closed connections (see
// EventLoop.Recycle), so that a steady flow of short connections allocates nothing and the heap
// does not grow to the collector's budget between collections.
internal sealed partial class RelayConnection
{
    /// <summary>The directions of the previous connection, kept for the next one's relaying.</summary>
    private Direction? _spareUpload;
    private Direction? _spareDownload;

    /// <summary>
    /// Makes a closed connection new for <paramref name="client"/>: every field as the
    /// constructor leaves it (a unit test checks that none is forgotten). Its loop assigns the slot
    /// and a new generation, so stale events and deadline entries of the previous client miss it.
    /// </summary>
    public void Reuse(HandedOverClient client)
    {
        // RelayConnection.Close.cs
        _reason = CloseReason.ResetOnStop;
        _error = null;

        // RelayConnection.Connect.cs
        Attempt = 0;
        _firstAttemptTicks = 0;
        _connectBegun = false;

        // RelayConnection.Limits.cs
        _lastActivityTicks = 0;
        _bytesAtLastActivity = 0;
        _idleDeadlineTicks = 0;
        _source = 0;
        _countedForSource = false;
        ((IDeadlineHeapItem)this).HeapIndex = -1;

        // RelayConnection.ProxyHeader.cs: kept for the next client whose route uses them
        _proxyHeaderReader?.Reuse();
        _proxyHeaderSender?.Reuse();

        // RelayConnection.Reset.cs
        ResetDrain = null;

        // RelayConnection.cs
        _spareUpload = _upload ?? _spareUpload;
        _spareDownload = _download ?? _spareDownload;
        _upload = null;
        _download = null;
        _survivorToReset = -1;
        _clientEventsBeforeRelaying = 0;
        _startTicks = 0;
        _clientName = null;
        Phase = RelayPhase.New;
        DeadlineTicks = 0;
        Take(client); // Slot and Generation: the loop assigns them next
    }

    /// <summary>A direction for relaying: the previous connection's, made new, or a new one.</summary>
    private Direction NewDirection(ref Direction? spare, int from, int to)
    {
        var direction = spare;
        if (direction is null)
        {
            return new Direction(from, to, _context.Options.CopyMethod, _context.Pipes);
        }

        spare = null;
        direction.Reuse(from, to, _context.Options.CopyMethod);
        return direction;
    }
}
