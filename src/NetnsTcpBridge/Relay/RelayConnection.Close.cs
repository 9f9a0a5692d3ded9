using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

// The end of a connection: why it ended, closing (or resetting) both sockets, the counters and
// the close line.
internal sealed partial class RelayConnection
{
    private CloseReason _reason = CloseReason.ResetOnStop;
    private string? _error;

    /// <summary>Records why the connection ends; the close that follows (at once, or after a reset drain) reports it.</summary>
    private void End(CloseReason reason, string? error)
    {
        _reason = reason;
        _error = error;
    }

    private void Close(bool reset)
    {
        if (IsClosed)
        {
            return; // its descriptors may be another connection's by now
        }

        _upload?.Release();
        _download?.Release();
        _context.Loop.Forget(this);
        CloseSocket(Client, reset);
        if (Server >= 0)
        {
            CloseSocket(Server, reset);
        }

        Phase = RelayPhase.Closed;
        LeaveSource();
        long clientToServer = _upload?.Bytes ?? 0;
        long serverToClient = _download?.Bytes ?? 0;
        _context.Engine.Statistics.Record(_reason, clientToServer, serverToClient);
        if (Log.IsEnabled(LogLevel.Debug))
        {
            WriteCloseLine(clientToServer, serverToClient);
        }

        _context.OnClosed();

        // Last: from here on, the loop may give this object to its next client.
        _context.Loop.Recycle(this);
    }

    private static unsafe void CloseSocket(int fd, bool reset)
    {
        if (reset)
        {
            var linger = new Libc.Linger { OnOff = 1, Seconds = 0 };
            _ = Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_LINGER, &linger, (uint)sizeof(Libc.Linger));
        }

        _ = Libc.Close(fd);
    }

    // One line per connection at its end, with -v only: this runs for every connection, and the
    // default must cost nothing per connection. The client's name was looked up at Start, while
    // its socket was surely open (the descriptor number may belong to another socket by now).
    private void WriteCloseLine(long clientToServer, long serverToClient)
    {
        string target = _serverHandedOver ? "pre-connected socket"
            : _connectBegun ? TcpAddress.Format(_route.Targets[Attempt])
            : _route.TargetName;
        var record = new ConnectionClose(
            _route.Name,
            _clientName ?? $"fd {Client}",
            target,
            clientToServer,
            serverToClient,
            TimeSpan.FromMilliseconds(Environment.TickCount64 - _startTicks),
            _reason,
            _error);
        record.Write();
    }
}
