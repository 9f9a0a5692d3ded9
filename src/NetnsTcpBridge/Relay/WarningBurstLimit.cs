namespace NetnsTcpBridge.Relay;

/// <summary>
/// For warnings that come once per connection (a failed connect, a bad PROXY header): every one
/// of the first <see cref="Burst"/> in a 10 s window is written, so an occasional failure is
/// reported in full; past that they are only counted, and the first warning of a later window
/// says how many were left out. A client or a dead target that fails thousands of connections a
/// second so costs at most a burst of lines per window, not a line per connection (the
/// connection's ending is still counted in the statistics). Shared by every event loop.
/// </summary>
internal sealed class WarningBurstLimit
{
    internal const int Burst = 20;
    private const long WindowMilliseconds = 10_000;

    private readonly object _gate = new();
    private long _windowStart = long.MinValue / 2;
    private int _written;
    private long _suppressed;

    /// <summary>Failed connects to a target.</summary>
    public static WarningBurstLimit ConnectFailures { get; } = new();

    /// <summary>Bad, truncated or late PROXY headers.</summary>
    public static WarningBurstLimit BadProxyHeaders { get; } = new();

    /// <summary>
    /// Counts one warning; true when it is to be written, with how many were left out before it
    /// (0 most of the time), to be said in the line.
    /// </summary>
    public bool TryWrite(out long leftOut) => TryWrite(Environment.TickCount64, out leftOut);

    internal bool TryWrite(long now, out long leftOut)
    {
        lock (_gate)
        {
            if (now - _windowStart >= WindowMilliseconds)
            {
                _windowStart = now;
                _written = 0;
            }

            if (_written < Burst)
            {
                _written++;
                leftOut = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            leftOut = 0;
            return false;
        }
    }

    /// <summary>The words added to a line after others were left out; empty when none were.</summary>
    public static string LeftOutNote(long leftOut) =>
        leftOut == 0 ? string.Empty : $" ({leftOut} more like it not written: at most {Burst} every 10 s)";
}
