using System.Text;
using NetnsTcpBridge.Handover;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// The channel over which the listener asks a connector for its counters, for the metrics
/// endpoint: a <c>socketpair(AF_UNIX, SOCK_SEQPACKET)</c> of its own per connector (fd 4 in the
/// connector), apart from the hand-over channel, so that a scrape never waits behind clients and
/// never touches the event loops. A request is a record holding a sequence number; the answer is a
/// record holding that number and the counters as <c>key=value</c> lines.
/// </summary>
internal static class StatisticsLink
{
    /// <summary>Largest answer; the counters' text is under 1,500 bytes.</summary>
    public const int MaxRecordBytes = 4096;

    /// <summary>Both ends, close-on-exec; the listener keeps the first, the connector gets the second.</summary>
    public static unsafe (FileDescriptor Listener, FileDescriptor Connector) CreatePair()
    {
        int* fds = stackalloc int[2];
        if (Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_SEQPACKET | Libc.SOCK_CLOEXEC, 0, fds) != 0)
        {
            throw SyscallException.FromLastError("socketpair", "AF_UNIX, SOCK_SEQPACKET (statistics)");
        }

        return (new FileDescriptor(fds[0]), new FileDescriptor(fds[1]));
    }

    /// <summary>Key prefix of the endings' lines: <c>ended.</c> + the reason's <see cref="CloseReasons.Name"/>.</summary>
    private const string EndedPrefix = "ended.";

    /// <summary>An answer: the request's sequence number, then the counters, every close reason on a line of its own.</summary>
    public static string FormatAnswer(long sequence, StatisticsSnapshot counters, int active)
    {
        var text = new KeyValueWriter();
        void Line(string key, long value) => text.Add(key, value);
        Line("sequence", sequence);
        Line("active", active);
        Line("taken", counters.Taken);
        Line("bytes-client-to-server", counters.BytesClientToServer);
        Line("bytes-server-to-client", counters.BytesServerToClient);
        Line("connect-attempts-failed", counters.ConnectAttemptsFailed);
        foreach (var reason in CloseReasons.All)
        {
            Line(EndedPrefix + CloseReasons.Name(reason), counters.Ended[reason]);
        }

        var udp = counters.Udp;
        Line("udp.flows-active", udp.FlowsActive);
        Line("udp.flows", udp.Flows);
        Line("udp.datagrams-client-to-server", udp.DatagramsClientToServer);
        Line("udp.datagrams-server-to-client", udp.DatagramsServerToClient);
        Line("udp.bytes-client-to-server", udp.BytesClientToServer);
        Line("udp.bytes-server-to-client", udp.BytesServerToClient);
        foreach (var drop in UdpReasons.AllDrops)
        {
            Line("udp.dropped." + UdpReasons.Name(drop), udp.DroppedFor(drop));
        }

        foreach (var ending in UdpReasons.AllEndings)
        {
            Line("udp.ended." + UdpReasons.Name(ending), udp.EndedFor(ending));
        }

        return text.ToString();
    }

    /// <summary>Reads an answer; unknown keys are ignored (a newer connector may count more), missing ones are 0.</summary>
    public static (long Sequence, StatisticsSnapshot Counters, int Active) ParseAnswer(string text)
    {
        var values = new KeyValueReader(text, "statistics answer");
        long Get(string key) => values.TakeOptionalNumber(key) ?? 0;
        var counters = new StatisticsSnapshot(
            Get("taken"),
            Get("bytes-client-to-server"),
            Get("bytes-server-to-client"),
            Get("connect-attempts-failed"),
            EndingCounts.From(reason => Get(EndedPrefix + CloseReasons.Name(reason))))
        {
            Udp = new UdpCounters(
                Get("udp.flows-active"),
                Get("udp.flows"),
                Get("udp.datagrams-client-to-server"),
                Get("udp.datagrams-server-to-client"),
                Get("udp.bytes-client-to-server"),
                Get("udp.bytes-server-to-client"),
                [.. UdpReasons.AllDrops.Select(drop => Get("udp.dropped." + UdpReasons.Name(drop)))],
                [.. UdpReasons.AllEndings.Select(ending => Get("udp.ended." + UdpReasons.Name(ending)))]),
        };
        return (values.TakeOptionalNumber("sequence") ?? -1, counters, (int)Get("active"));
    }

    /// <summary>Sends one record; false when the other end is gone or (non-blocking) the record does not fit now.</summary>
    public static unsafe bool TrySend(int fd, string text, bool dontWait)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        fixed (byte* start = bytes)
        {
            while (true)
            {
                nint sent = Libc.Send(fd, start, (nuint)bytes.Length, Libc.MSG_NOSIGNAL | (dontWait ? Libc.MSG_DONTWAIT : 0));
                if (sent >= 0)
                {
                    return true;
                }

                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != (int)Errno.EINTR)
                {
                    return false;
                }
            }
        }
    }

    /// <summary>Receives one record: its text, "" at end of file, or null when none is waiting (non-blocking) or on error.</summary>
    public static unsafe string? Receive(int fd, bool dontWait)
    {
        byte* buffer = stackalloc byte[MaxRecordBytes];
        while (true)
        {
            nint received = Libc.Recv(fd, buffer, MaxRecordBytes, dontWait ? Libc.MSG_DONTWAIT : 0);
            if (received >= 0)
            {
                return Encoding.UTF8.GetString(buffer, (int)received);
            }

            if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() != (int)Errno.EINTR)
            {
                return null;
            }
        }
    }
}
