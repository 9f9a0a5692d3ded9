using System.Globalization;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// What one connection did, for its close line: who, to where, under which rule, how many bytes
/// each way, how long, and why it ended (<see cref="CloseReason"/>), with the error if there was one.
/// </summary>
/// <param name="Rule">The forwarding rule's name; null while there is only the one unnamed rule.</param>
/// <param name="Error">Details of a failure, e.g. "read: ECONNRESET (Connection reset by peer)"; null for a clean end.</param>
public readonly record struct ConnectionClose(
    string? Rule,
    string Client,
    string Target,
    long BytesClientToServer,
    long BytesServerToClient,
    TimeSpan Duration,
    CloseReason Reason,
    string? Error)
{
    /// <summary>The JSON "event" of a close line.</summary>
    public const string EventName = "close";

    /// <summary>
    /// The text of the close line, e.g. "[web] closed 10.0.0.2:40000 -> 127.0.0.1:80 after
    /// 1.250 s: reset by server: read: ECONNRESET (Connection reset by peer); client->server 120
    /// bytes, server->client 4096 bytes".
    /// </summary>
    public string Message() => string.Create(CultureInfo.InvariantCulture,
        $"{(Rule is null ? string.Empty : $"[{Rule}] ")}closed {Client} -> {Target} after {Duration.TotalSeconds:0.000} s: {CloseReasons.Text(Reason)}{(Error is null ? string.Empty : $": {Error}")}; client->server {BytesClientToServer} bytes, server->client {BytesServerToClient} bytes");

    /// <summary>The JSON fields, in this order; "rule" and "error" only when set.</summary>
    public LogField[] Fields()
    {
        var fields = new List<LogField>(10);
        if (Rule is not null)
        {
            fields.Add(LogField.Text("rule", Rule));
        }

        fields.Add(LogField.Text("client", Client));
        fields.Add(LogField.Text("target", Target));
        fields.Add(LogField.Number("bytes_client_to_server", BytesClientToServer));
        fields.Add(LogField.Number("bytes_server_to_client", BytesServerToClient));
        fields.Add(LogField.Seconds("duration_s", Duration));
        fields.Add(LogField.Text("reason", CloseReasons.Text(Reason)));

        // For machines: the same snake_case name as the metrics' reason label.
        fields.Add(LogField.Text("reason_code", CloseReasons.Name(Reason)));
        if (Error is not null)
        {
            fields.Add(LogField.Text("error", Error));
        }

        return [.. fields];
    }

    /// <summary>Writes the close line at debug level (-v): it is per connection, so off by default.</summary>
    public void Write() => Log.Event(LogLevel.Debug, EventName, Message(), Fields());
}
