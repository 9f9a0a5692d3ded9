using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Connector side of the <see cref="StatisticsLink"/>: a thread of its own that waits for a
/// request and answers it with the engine's counters. It ends when the listener's end closes.
/// </summary>
internal static class StatisticsResponder
{
    /// <param name="link">This connector's end; owned by the responder thread from now on, for the life of the process.</param>
    public static void Start(FileDescriptor link, RelayEngine engine)
    {
        var thread = new Thread(() => Run(link, engine)) { IsBackground = true, Name = "statistics" };
        thread.Start();
    }

    private static void Run(FileDescriptor link, RelayEngine engine)
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

            string answer = StatisticsLink.FormatAnswer(sequence, engine.Statistics.Snapshot(), engine.ActiveConnections);
            if (!StatisticsLink.TrySend(link.Number, answer, dontWait: false))
            {
                return;
            }
        }
    }
}
