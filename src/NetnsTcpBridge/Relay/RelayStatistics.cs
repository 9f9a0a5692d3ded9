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
    /// bytes_server_to_client, then ended_&lt;reason&gt; for each kind (its <see cref="CloseReasons.Name"/>,
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

    internal static string FieldName(CloseReason reason) => "ended_" + CloseReasons.Name(reason);

    /// <summary>Every counter, each read atomically (together they may be a connection apart).</summary>
    public StatisticsSnapshot Snapshot() => new(
        Interlocked.Read(ref _taken),
        BytesClientToServer,
        BytesServerToClient,
        Interlocked.Read(ref _connectAttemptsFailed),
        EndingCounts.From(Ended));
}

/// <summary>The counters of <see cref="RelayStatistics"/> at one moment.</summary>
/// <param name="Taken">Clients taken since the start.</param>
/// <param name="BytesClientToServer">Bytes relayed client to server by connections that have ended.</param>
/// <param name="BytesServerToClient">Bytes relayed server to client by connections that have ended.</param>
/// <param name="ConnectAttemptsFailed">Failed attempts to connect to one address of the target.</param>
/// <param name="Ended">Connections ended, for each close reason.</param>
public readonly record struct StatisticsSnapshot(
    long Taken,
    long BytesClientToServer,
    long BytesServerToClient,
    long ConnectAttemptsFailed,
    EndingCounts Ended)
{
    /// <summary>The UDP relay's counters; all 0 where there is no UDP route.</summary>
    public Udp.UdpCounters Udp { get; init; }
}
