namespace NetnsTcpBridge.Relay;

// Deadlines of clients whose PROXY header is still being read (--accept-proxy).
internal sealed partial class EventLoop
{
    /// <summary>
    /// All these deadlines have the same timeout, so the queue stays in deadline order, apart from
    /// the connect deadlines (another timeout). An entry is stale once its connection has read its
    /// header or closed.
    /// </summary>
    private readonly Queue<RelayConnection> _proxyHeaderDeadlines = new();

    public void TrackProxyHeaderDeadline(RelayConnection connection) => _proxyHeaderDeadlines.Enqueue(connection);

    /// <summary>The earliest pending header deadline (Environment.TickCount64), or long.MaxValue when none.</summary>
    private long NextProxyHeaderDeadline()
    {
        while (_proxyHeaderDeadlines.TryPeek(out var head) && head.Phase != RelayPhase.ReadingProxyHeader)
        {
            _proxyHeaderDeadlines.Dequeue();
        }

        return _proxyHeaderDeadlines.TryPeek(out var next) ? next.DeadlineTicks : long.MaxValue;
    }

    private void CheckProxyHeaderDeadlines(long now)
    {
        while (_proxyHeaderDeadlines.TryPeek(out var head) && (head.Phase != RelayPhase.ReadingProxyHeader || head.DeadlineTicks <= now))
        {
            _proxyHeaderDeadlines.Dequeue();
            if (head.Phase == RelayPhase.ReadingProxyHeader)
            {
                head.OnDeadline();
            }
        }
    }
}
