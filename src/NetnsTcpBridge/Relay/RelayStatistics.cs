using System.Globalization;
using System.Text;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// Counters over the life of the connector, updated once per connection when it closes (never per
/// byte), readable from any thread.
/// </summary>
public sealed class RelayStatistics
{
    private readonly long[] _endings = new long[CloseReasons.All.Count];
    private long _total;
    private long _bytesClientToServer;
    private long _bytesServerToClient;

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
}
