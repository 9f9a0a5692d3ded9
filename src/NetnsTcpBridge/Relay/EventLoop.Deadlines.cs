namespace NetnsTcpBridge.Relay;

// Time in the event loop: connect deadlines, idle deadlines, and the short polls while resets
// wait for bytes to leave. epoll_wait sleeps until the earliest of them.
internal sealed partial class EventLoop
{
    /// <summary>
    /// Connect deadlines all have the same timeout, so the queue stays in deadline order. An entry
    /// is stale once its connection has connected, closed, or moved on to another address.
    /// </summary>
    public void TrackDeadline(RelayConnection connection) =>
        _connectDeadlines.Enqueue((connection, connection.Attempt, connection.DeadlineTicks));

    private static bool IsCurrent((RelayConnection Connection, int Attempt, long Deadline) entry) =>
        entry.Connection.Phase == RelayPhase.Connecting && entry.Connection.Attempt == entry.Attempt;

    public void TrackResetDrain(RelayConnection connection) => _resetDrains.Add(connection);

    /// <summary>
    /// Watches a relaying connection for --idle-timeout. Transfers only note the time (no system
    /// call, no heap work); when the deadline comes, a connection that moved bytes meanwhile is
    /// re-armed for last transfer + timeout, and one that did not is reset.
    /// </summary>
    public void TrackIdle(RelayConnection connection) => _idleDeadlines.Add(connection);

    /// <summary>Stops watching a connection that is closing or being reset (nothing if it was not watched).</summary>
    public void StopIdleTracking(RelayConnection connection) => _idleDeadlines.Remove(connection);

    private int NextTimeout()
    {
        if (_resetDrains.Count > 0)
        {
            return ResetDrainPollMilliseconds;
        }

        while (_connectDeadlines.TryPeek(out var head) && !IsCurrent(head))
        {
            _connectDeadlines.Dequeue();
        }

        long connect = _connectDeadlines.TryPeek(out var first) ? first.Deadline : long.MaxValue;
        long idle = _idleDeadlines.TryPeek(out var earliest) ? ((IDeadlineHeapItem)earliest).DeadlineTicks : long.MaxValue;
        long next = Math.Min(Math.Min(connect, idle), Math.Min(NextProxyHeaderDeadline(), NextSourceDeadline()));
        return next == long.MaxValue ? -1 : (int)Math.Clamp(next - Environment.TickCount64, 0, int.MaxValue);
    }

    private void CheckDeadlines()
    {
        long now = Environment.TickCount64;
        while (_connectDeadlines.TryPeek(out var head) && (!IsCurrent(head) || head.Deadline <= now))
        {
            _connectDeadlines.Dequeue();
            if (IsCurrent(head))
            {
                head.Connection.OnDeadline();
            }
        }

        CheckProxyHeaderDeadlines(now);
        CheckSourceDeadline(now);
        CheckIdleDeadlines(now);

        for (int i = _resetDrains.Count - 1; i >= 0; i--)
        {
            var connection = _resetDrains[i];
            if (connection.Phase == RelayPhase.Resetting)
            {
                if (connection.DeadlineTicks <= now)
                {
                    connection.OnDeadline();
                }
                else
                {
                    connection.FinishResetWhenDrained();
                }
            }

            if (connection.Phase != RelayPhase.Resetting)
            {
                _resetDrains.RemoveAt(i);
            }
        }
    }

    private void CheckIdleDeadlines(long now)
    {
        while (_idleDeadlines.TryPeek(out var earliest) && ((IDeadlineHeapItem)earliest).DeadlineTicks <= now)
        {
            try
            {
                if (earliest.IdleDeadlineDue(now) is not null)
                {
                    _idleDeadlines.EarliestMovedLater();
                }
            }
            catch (Exception e)
            {
                ResetAfterFault(earliest, e);
                _idleDeadlines.Remove(earliest);
            }

            // Reset or closed: it has left the heap (Forget), so the loop moves on.
        }
    }
}
