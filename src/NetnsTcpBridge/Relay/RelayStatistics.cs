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
/// Counters over the life of the connector, updated when a connection is taken and when it closes
/// (never per byte), readable from any thread.
/// </summary>
public sealed class RelayStatistics
{
    private long _taken;
    private long _connectAttemptsFailed;
    private long _total;
    private long _bytesClientToServer;
    private long _bytesServerToClient;
    private long _closed;
    private long _reset;
    private long _connectFailed;
    private long _aborted;
    private long _badProxyHeader;

    /// <summary>A client was taken from the listener (whatever becomes of it).</summary>
    internal void RecordTaken() => Interlocked.Increment(ref _taken);

    /// <summary>One attempt to connect to one address of the target failed (a client may make several).</summary>
    internal void RecordConnectAttemptFailed() => Interlocked.Increment(ref _connectAttemptsFailed);

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

    /// <summary>Every counter, each read atomically (together they may be a connection apart).</summary>
    public StatisticsSnapshot Snapshot() => new(
        Interlocked.Read(ref _taken),
        Interlocked.Read(ref _bytesClientToServer),
        Interlocked.Read(ref _bytesServerToClient),
        Interlocked.Read(ref _closed),
        Interlocked.Read(ref _reset),
        Interlocked.Read(ref _connectFailed),
        Interlocked.Read(ref _aborted),
        Interlocked.Read(ref _connectAttemptsFailed),
        Interlocked.Read(ref _badProxyHeader));
}

/// <summary>The counters of <see cref="RelayStatistics"/> at one moment.</summary>
/// <param name="Taken">Clients taken since the start.</param>
/// <param name="BytesClientToServer">Bytes relayed client to server by connections that have ended.</param>
/// <param name="BytesServerToClient">Bytes relayed server to client by connections that have ended.</param>
/// <param name="Closed">Connections ended by FIN both ways.</param>
/// <param name="Reset">Connections ended by a reset on one side, passed on to the other.</param>
/// <param name="ConnectFailed">Clients reset because the target could not be reached.</param>
/// <param name="Aborted">Connections reset by the bridge itself (stopping).</param>
/// <param name="ConnectAttemptsFailed">Failed attempts to connect to one address of the target.</param>
/// <param name="BadProxyHeader">Clients reset because their PROXY header was bad (--accept-proxy).</param>
public readonly record struct StatisticsSnapshot(
    long Taken,
    long BytesClientToServer,
    long BytesServerToClient,
    long Closed,
    long Reset,
    long ConnectFailed,
    long Aborted,
    long ConnectAttemptsFailed,
    long BadProxyHeader = 0);
