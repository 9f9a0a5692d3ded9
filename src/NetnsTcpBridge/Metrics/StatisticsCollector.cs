using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// Listener side of the <see cref="StatisticsLink"/>s: asks every connector for its counters and
/// adds them up, for one scrape. Used by the metrics server's thread only.
/// </summary>
/// <remarks>
/// All connectors or none: a scrape that misses one connector's counters would show sums going
/// down, which a scraper takes for a restart. So when one does not answer within
/// <see cref="AnswerTimeout"/>, the scrape fails (the endpoint answers 503) and the next one asks
/// again; a late answer is recognised by its old sequence number and skipped.
/// </remarks>
internal sealed class StatisticsCollector
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(2);

    private readonly IReadOnlyList<FileDescriptor> _links;
    private long _sequence;

    /// <param name="links">The listener's end of each connector's link; the caller keeps ownership.</param>
    public StatisticsCollector(IReadOnlyList<FileDescriptor> links)
    {
        _links = links;
    }

    /// <summary>The OpenMetrics text of all connectors' counters added up; null when one did not answer.</summary>
    public string? Render()
    {
        long sequence = ++_sequence;
        string request = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var link in _links)
        {
            if (!StatisticsLink.TrySend(link.Number, request, dontWait: true))
            {
                return null;
            }
        }

        long deadline = Environment.TickCount64 + (long)AnswerTimeout.TotalMilliseconds;
        var sum = default(StatisticsSnapshot);
        int active = 0;
        foreach (var link in _links)
        {
            if (Await(link.Number, sequence, deadline) is not { } answer)
            {
                return null;
            }

            sum = Add(sum, answer.Counters);
            active += answer.Active;
        }

        return OpenMetricsText.Format(sum, active);
    }

    private static (StatisticsSnapshot Counters, int Active)? Await(int fd, long sequence, long deadline)
    {
        while (true)
        {
            bool readable;
            try
            {
                readable = PollDeadline.Readable(fd, deadline, "statistics link");
            }
            catch (SyscallException)
            {
                readable = false; // as good as no answer
            }

            if (!readable)
            {
                return null;
            }

            string? text = StatisticsLink.Receive(fd, dontWait: true);
            if (text is null)
            {
                continue; // woken, but nothing to read after all
            }

            if (text.Length == 0)
            {
                return null; // the connector is gone
            }

            try
            {
                var (answered, counters, active) = StatisticsLink.ParseAnswer(text);
                if (answered == sequence)
                {
                    return (counters, active);
                }

                // A late answer to an earlier scrape: skip it.
            }
            catch (InvalidDataException)
            {
                return null;
            }
        }
    }

    private static StatisticsSnapshot Add(StatisticsSnapshot a, StatisticsSnapshot b) => new(
        a.Taken + b.Taken,
        a.BytesClientToServer + b.BytesClientToServer,
        a.BytesServerToClient + b.BytesServerToClient,
        a.ConnectAttemptsFailed + b.ConnectAttemptsFailed,
        a.Ended.Add(b.Ended))
    {
        Udp = a.Udp.Add(b.Udp),
    };
}
