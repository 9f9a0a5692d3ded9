using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Connector side of the <see cref="StatisticsLink"/>: a thread of its own that waits for a
/// request and answers it with the engine's counters. It ends when the listener's end closes.
/// </summary>
internal static class StatisticsResponder
{
    /// <param name="link">This connector's end; owned by the responder thread from now on, for the life of the process.</param>
    /// <param name="udp">The UDP relay's counters; null when the connector serves no UDP route.</param>
    public static void Start(FileDescriptor link, RelayEngine engine, UdpStatistics? udp)
    {
        var thread = new Thread(() => Run(link, engine, udp)) { IsBackground = true, Name = "statistics" };
        thread.Start();
    }

    private static void Run(FileDescriptor link, RelayEngine engine, UdpStatistics? udp)
    {
        while (true)
        {
            // Blocking: the listener's end is the only writer, and it closes when the listener ends.
            string? request = StatisticsLink.Receive(link.Number, dontWait: false);
            if (string.IsNullOrEmpty(request))
            {
                return; // end of file, or the link failed: no one will ask again
            }

            if (!long.TryParse(request, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long sequence))
            {
                Log.Debug($"statistics link: ignoring a request that is not a number");
                continue;
            }

            string answer = StatisticsLink.FormatAnswer(sequence, engine.Statistics.Snapshot() with { Udp = udp?.Snapshot() ?? default }, engine.ActiveConnections);
            if (!StatisticsLink.TrySend(link.Number, answer, dontWait: false))
            {
                return;
            }
        }
    }
}
