using System.Globalization;

namespace NetnsTcpBridge.Relay;

/// <summary>How a relayed connection ended, for the counters.</summary>
internal enum ConnectionOutcome
{
    /// <summary>FIN both ways.</summary>
    Closed,

    /// <summary>One side failed (reset, broken pipe) and the other was reset.</summary>
    Reset,

    /// <summary>The target could not be reached; the client was reset.</summary>
    ConnectFailed,

    /// <summary>Reset by the bridge itself: stopping, or an internal fault.</summary>
    Aborted,

    /// <summary>With --accept-proxy: the client's PROXY header was malformed, too long, late or cut short; the client was reset.</summary>
    BadProxyHeader,
}

/// <summary>
/// Counters over the life of the connector, updated once per connection when it closes (never per
/// byte), readable from any thread.
/// </summary>
public sealed class RelayStatistics
{
    private long _total;
    private long _bytesClientToServer;
    private long _bytesServerToClient;
    private long _closed;
    private long _reset;
    private long _connectFailed;
    private long _aborted;
    private long _badProxyHeader;

    internal void Record(ConnectionOutcome outcome, long clientToServer, long serverToClient)
    {
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _bytesClientToServer, clientToServer);
        Interlocked.Add(ref _bytesServerToClient, serverToClient);
        switch (outcome)
        {
            case ConnectionOutcome.Closed:
                Interlocked.Increment(ref _closed);
                break;
            case ConnectionOutcome.Reset:
                Interlocked.Increment(ref _reset);
                break;
            case ConnectionOutcome.ConnectFailed:
                Interlocked.Increment(ref _connectFailed);
                break;
            case ConnectionOutcome.BadProxyHeader:
                Interlocked.Increment(ref _badProxyHeader);
                break;
            default:
                Interlocked.Increment(ref _aborted);
                break;
        }
    }

    /// <summary>One line: active and total connections, bytes each way, endings by kind.</summary>
    public string Describe(int active) => string.Create(CultureInfo.InvariantCulture,
        $"active {active}, total {Interlocked.Read(ref _total)}, bytes client->server {Interlocked.Read(ref _bytesClientToServer)}, server->client {Interlocked.Read(ref _bytesServerToClient)}, " +
        $"ended: FIN {Interlocked.Read(ref _closed)}, reset {Interlocked.Read(ref _reset)}, connect failed {Interlocked.Read(ref _connectFailed)}, aborted by the bridge {Interlocked.Read(ref _aborted)}, bad PROXY header {Interlocked.Read(ref _badProxyHeader)}");
}
