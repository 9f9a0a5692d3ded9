namespace NetnsTcpBridge.Relay;

// Deadlines of clients whose PROXY header is still being read (--accept-proxy).
internal sealed partial class EventLoop
{
    /// <summary>
    /// All these deadlines have the same timeout, so the queue stays in deadline order, apart from
    /// the connect deadlines (another timeout). An entry is stale once its connection has read its
    /// header or closed (the generation tells a connection object used again for another client).
    /// </summary>
    private readonly Queue<(RelayConnection Connection, uint Generation, long Deadline)> _proxyHeaderDeadlines = new();

    public void TrackProxyHeaderDeadline(RelayConnection connection, long deadlineTicks) =>
        _proxyHeaderDeadlines.Enqueue((connection, connection.Generation, deadlineTicks));

    private static bool IsWaitingForHeader((RelayConnection Connection, uint Generation, long Deadline) entry) =>
        entry.Connection.Phase == RelayPhase.ReadingProxyHeader && entry.Connection.Generation == entry.Generation;

    /// <summary>The earliest pending header deadline (Environment.TickCount64), or long.MaxValue when none.</summary>
    private long NextProxyHeaderDeadline()
    {
        while (_proxyHeaderDeadlines.TryPeek(out var head) && !IsWaitingForHeader(head))
        {
            _proxyHeaderDeadlines.Dequeue();
        }

        return _proxyHeaderDeadlines.TryPeek(out var next) ? next.Deadline : long.MaxValue;
    }

    private void CheckProxyHeaderDeadlines(long now)
    {
        while (_proxyHeaderDeadlines.TryPeek(out var head) && (!IsWaitingForHeader(head) || head.Deadline <= now))
        {
            _proxyHeaderDeadlines.Dequeue();
            if (IsWaitingForHeader(head))
            {
                head.Connection.OnDeadline();
            }
        }
    }
}
