namespace NetnsTcpBridge.Relay;

// Time in the event loop: connect deadlines, idle deadlines, and the checks while resets wait for
// bytes to leave. epoll_wait sleeps until the earliest of them.
internal sealed partial class EventLoop
{
    /// <summary>
    /// Connect deadlines all have the same timeout, so the queue stays in deadline order. An entry
    /// is stale once its connection has connected, closed, or moved on to another address; the
    /// generation tells a connection object used again for another client (it changes with each).
    /// </summary>
    public void TrackDeadline(RelayConnection connection) =>
        _connectDeadlines.Enqueue((connection, connection.Generation, connection.Attempt, connection.DeadlineTicks));

    private static bool IsCurrent((RelayConnection Connection, uint Generation, int Attempt, long Deadline) entry) =>
        entry.Connection.Phase == RelayPhase.Connecting
        && entry.Connection.Generation == entry.Generation
        && entry.Connection.Attempt == entry.Attempt;

    /// <summary>Checks now and then, with backoff, whether a reset's survivor has sent everything (see <see cref="ResetDrainCheck"/>).</summary>
    public void TrackResetDrain(ResetDrainCheck check) => _resetDrains.Add(check);

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
        while (_connectDeadlines.TryPeek(out var head) && !IsCurrent(head))
        {
            _connectDeadlines.Dequeue();
        }

        long connect = _connectDeadlines.TryPeek(out var first) ? first.Deadline : long.MaxValue;
        long idle = _idleDeadlines.TryPeek(out var earliest) ? ((IDeadlineHeapItem)earliest).DeadlineTicks : long.MaxValue;
        long drain = _resetDrains.TryPeek(out var check) ? check.DeadlineTicks : long.MaxValue;
        long next = Math.Min(Math.Min(Math.Min(connect, idle), drain), Math.Min(NextProxyHeaderDeadline(), NextSourceDeadline()));
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

        CheckResetDrains(now);
    }

    // Only the drains that are due are checked, each O(log n): a connection that closes (its
    // survivor drained, or reset) leaves the heap in Forget.
    private void CheckResetDrains(long now)
    {
        while (_resetDrains.TryPeek(out var check) && check.DeadlineTicks <= now)
        {
            var connection = check.Connection;
            if (check.IsAtLimit(now))
            {
                connection.OnDeadline();
            }
            else
            {
                connection.FinishResetWhenDrained();
            }

            if (connection.Phase == RelayPhase.Resetting && check.HeapIndex >= 0)
            {
                check.Postpone(now);
                _resetDrains.EarliestMovedLater();
            }
            else
            {
                _resetDrains.Remove(check);
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
