namespace NetnsTcpBridge.Relay;

/// <summary>
/// At most one warning per interval for a kind of refusal that can come in floods (a client
/// retrying in a loop): each refusal is counted, and the warning that is let through says how
/// many there were since the previous one. Lock-free, shared by every event loop.
/// </summary>
internal sealed class WarningThrottle
{
    private readonly long _intervalMilliseconds;
    private long _lastTicks = long.MinValue / 2;
    private long _countSinceWarning;

    public WarningThrottle(TimeSpan interval) => _intervalMilliseconds = (long)interval.TotalMilliseconds;

    /// <summary>Counts one event; true when a warning is due now, with how many events it covers (this one included).</summary>
    public bool Count(out long events)
    {
        events = Interlocked.Increment(ref _countSinceWarning);
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref _lastTicks);
        if (now - last < _intervalMilliseconds || Interlocked.CompareExchange(ref _lastTicks, now, last) != last)
        {
            return false;
        }

        events = Interlocked.Exchange(ref _countSinceWarning, 0);
        return true;
    }
}
