namespace NetnsTcpBridge.Relay;

/// <summary>
/// When to look next whether a reset's survivor has sent everything (see RelayConnection.Reset.cs).
/// The kernel gives no event for "all bytes acknowledged" (EPOLLOUT comes only after a write
/// failed for lack of room), so the loop asks SIOCOUTQ, but only of connections that are due:
/// the first check after 1 ms (on loopback a peer that reads is done by then), then at doubling
/// intervals up to <see cref="MaxIntervalMilliseconds"/>, and never after the drain's deadline.
/// So thousands of resets waiting on peers that do not read cost a few dozen checks each over the
/// whole drain, not one check each per millisecond.
/// </summary>
internal sealed class ResetDrainCheck : IDeadlineHeapItem
{
    internal const int FirstIntervalMilliseconds = 1;
    internal const int MaxIntervalMilliseconds = 64;

    private readonly long _limitTicks;
    private int _intervalMilliseconds = FirstIntervalMilliseconds;

    public ResetDrainCheck(RelayConnection connection, long nowTicks, long limitTicks)
    {
        Connection = connection;
        _limitTicks = limitTicks;
        DeadlineTicks = Math.Min(nowTicks + _intervalMilliseconds, limitTicks);
    }

    public RelayConnection Connection { get; }

    /// <summary>Environment.TickCount64 of the next check.</summary>
    public long DeadlineTicks { get; private set; }

    public int HeapIndex { get; set; } = -1;

    /// <summary>True when the drain's own deadline has come (the survivor is reset whatever it holds).</summary>
    public bool IsAtLimit(long nowTicks) => nowTicks >= _limitTicks;

    /// <summary>Moves the next check later: the interval doubles, up to the cap and the drain's deadline.</summary>
    public void Postpone(long nowTicks)
    {
        _intervalMilliseconds = Math.Min(_intervalMilliseconds * 2, MaxIntervalMilliseconds);
        DeadlineTicks = Math.Min(nowTicks + _intervalMilliseconds, _limitTicks);
    }
}
