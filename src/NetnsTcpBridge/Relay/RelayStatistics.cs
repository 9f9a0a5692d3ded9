using System.Globalization;
using System.Text;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// Counters over the life of the connector, updated when a connection is taken and when it closes
/// (never per byte), readable from any thread.
/// </summary>
public sealed class RelayStatistics
{
    private readonly long[] _endings = new long[CloseReasons.All.Count];
    private long _taken;
    private long _connectAttemptsFailed;
    private long _total;
    private long _bytesClientToServer;
    private long _bytesServerToClient;

    /// <summary>A client was taken from the listener (whatever becomes of it).</summary>
    internal void RecordTaken() => Interlocked.Increment(ref _taken);

    /// <summary>One attempt to connect to one address of the target failed (a client may make several).</summary>
    internal void RecordConnectAttemptFailed() => Interlocked.Increment(ref _connectAttemptsFailed);

    internal void Record(CloseReason reason, long clientToServer, long serverToClient)
    {
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _bytesClientToServer, clientToServer);
        Interlocked.Add(ref _bytesServerToClient, serverToClient);
        Interlocked.Increment(ref _endings[(int)reason]);
    }

    /// <summary>Connections ended for <paramref name="reason"/> so far.</summary>
    public long Ended(CloseReason reason) => Interlocked.Read(ref _endings[(int)reason]);

    public long Total => Interlocked.Read(ref _total);

    public long BytesClientToServer => Interlocked.Read(ref _bytesClientToServer);

    public long BytesServerToClient => Interlocked.Read(ref _bytesServerToClient);

    /// <summary>
    /// One line: active and total connections, bytes each way, and endings by kind in the words
    /// of the close line, every kind shown even at 0 so that the line can be parsed.
    /// </summary>
    public string Describe(int active)
    {
        var text = new StringBuilder(400);
        text.Append(CultureInfo.InvariantCulture, $"active {active}, total {Total}, bytes client->server {BytesClientToServer}, server->client {BytesServerToClient}, ended: ");
        foreach (var reason in CloseReasons.All)
        {
            text.Append(CultureInfo.InvariantCulture, $"{(reason == 0 ? string.Empty : ", ")}{CloseReasons.Text(reason)} {Ended(reason)}");
        }

        return text.ToString();
    }

    /// <summary>
    /// The same counters as JSON fields: active, total, bytes_client_to_server,
    /// bytes_server_to_client, then ended_&lt;reason&gt; for each kind (words joined by underscores,
    /// e.g. ended_fin_both_ways, ended_idle_timeout).
    /// </summary>
    public LogField[] Fields(int active)
    {
        var fields = new List<LogField>(4 + CloseReasons.All.Count)
        {
            LogField.Number("active", active),
            LogField.Number("total", Total),
            LogField.Number("bytes_client_to_server", BytesClientToServer),
            LogField.Number("bytes_server_to_client", BytesServerToClient),
        };
        foreach (var reason in CloseReasons.All)
        {
            fields.Add(LogField.Number(FieldName(reason), Ended(reason)));
        }

        return [.. fields];
    }

    internal static string FieldName(CloseReason reason) =>
        "ended_" + CloseReasons.Text(reason).ToLowerInvariant().Replace(' ', '_').Replace('-', '_');

    /// <summary>
    /// Every counter, each read atomically (together they may be a connection apart). The metrics
    /// endpoint groups the close reasons into its five: fin, reset (by either side), connect_failed
    /// (refused, failed, timed out), aborted (reset by the bridge: idle timeout, per-source limit,
    /// end of drain, stop, internal error) and bad_proxy_header.
    /// </summary>
    public StatisticsSnapshot Snapshot() => new(
        Interlocked.Read(ref _taken),
        BytesClientToServer,
        BytesServerToClient,
        Ended(CloseReason.FinBothWays),
        Ended(CloseReason.ResetByClient) + Ended(CloseReason.ResetByServer),
        Ended(CloseReason.ConnectRefused) + Ended(CloseReason.ConnectFailed) + Ended(CloseReason.ConnectTimeout),
        Ended(CloseReason.IdleTimeout) + Ended(CloseReason.ResetAtEndOfDrain) + Ended(CloseReason.RefusedByPerSourceLimit) + Ended(CloseReason.ResetOnStop) + Ended(CloseReason.InternalError),
        Interlocked.Read(ref _connectAttemptsFailed),
        Ended(CloseReason.BadProxyHeader));
}

/// <summary>The counters of <see cref="RelayStatistics"/> at one moment.</summary>
/// <param name="Taken">Clients taken since the start.</param>
/// <param name="BytesClientToServer">Bytes relayed client to server by connections that have ended.</param>
/// <param name="BytesServerToClient">Bytes relayed server to client by connections that have ended.</param>
/// <param name="Closed">Connections ended by FIN both ways.</param>
/// <param name="Reset">Connections ended by a reset on one side, passed on to the other.</param>
/// <param name="ConnectFailed">Clients reset because the target could not be reached.</param>
/// <param name="Aborted">Connections reset by the bridge itself: stopping, end of drain, idle timeout, per-source limit, internal error.</param>
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
