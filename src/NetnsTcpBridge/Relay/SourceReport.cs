using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay;

/// <summary>What the epoll event that calls for a pump said of the direction's source.</summary>
/// <remarks>
/// The events are those of the socket when epoll_wait returned. Edge-triggered epoll reports
/// anything that arrives later with a new event, so what an event did not show was not there yet.
/// </remarks>
internal enum SourceReport
{
    /// <summary>Nothing is known: the pump answers writability, or starts a relay.</summary>
    Unknown,

    /// <summary>Input, with neither its end, nor an error, nor urgent data.</summary>
    Input,

    /// <summary>
    /// The end of the stream had arrived (EPOLLRDHUP) and no urgent data (no EPOLLPRI), nor an
    /// error. None can follow: once the FIN is in, the kernel ignores an urgent pointer into the
    /// data before it (tcp_check_urg), so no urgent mark lies ahead of the reads.
    /// </summary>
    EndWithoutUrgentData,
}

/// <summary>Turns epoll events into a <see cref="SourceReport"/>.</summary>
internal static class SourceReports
{
    public static SourceReport Of(uint events)
    {
        if ((events & (Libc.EPOLLPRI | Libc.EPOLLERR)) != 0)
        {
            return SourceReport.Unknown;
        }

        if ((events & Libc.EPOLLRDHUP) != 0)
        {
            return SourceReport.EndWithoutUrgentData;
        }

        // EPOLLHUP without EPOLLRDHUP: closed by a reset whose error was taken already.
        // No EPOLLIN: no event was taken at all (one may wait in epoll's ready list).
        return (events & (Libc.EPOLLHUP | Libc.EPOLLIN)) == Libc.EPOLLIN ? SourceReport.Input : SourceReport.Unknown;
    }
}
