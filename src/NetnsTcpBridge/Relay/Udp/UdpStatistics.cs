using System.Globalization;
using System.Text;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// The UDP relay's counters. Written by the relay's one thread, a batch of datagrams at a time;
/// read by any thread (SIGUSR1, the statistics link). Each counter is read atomically; together
/// they may be a batch apart.
/// </summary>
public sealed class UdpStatistics
{
    private readonly long[] _dropped = new long[UdpReasons.AllDrops.Count];
    private readonly long[] _ended = new long[UdpReasons.AllEndings.Count];
    private long _active;
    private long _flows;
    private long _datagramsClientToServer;
    private long _datagramsServerToClient;
    private long _bytesClientToServer;
    private long _bytesServerToClient;

    internal void RecordFlowStarted()
    {
        Interlocked.Increment(ref _flows);
        Interlocked.Increment(ref _active);
    }

    internal void RecordFlowEnded(UdpFlowEnding ending)
    {
        Interlocked.Decrement(ref _active);
        Interlocked.Increment(ref _ended[(int)ending]);
    }

    internal void RecordClientToServer(long datagrams, long bytes)
    {
        Interlocked.Add(ref _datagramsClientToServer, datagrams);
        Interlocked.Add(ref _bytesClientToServer, bytes);
    }

    internal void RecordServerToClient(long datagrams, long bytes)
    {
        Interlocked.Add(ref _datagramsServerToClient, datagrams);
        Interlocked.Add(ref _bytesServerToClient, bytes);
    }

    internal void RecordDropped(UdpDrop drop, long datagrams = 1) => Interlocked.Add(ref _dropped[(int)drop], datagrams);

    public UdpCounters Snapshot() => new(
        Interlocked.Read(ref _active),
        Interlocked.Read(ref _flows),
        Interlocked.Read(ref _datagramsClientToServer),
        Interlocked.Read(ref _datagramsServerToClient),
        Interlocked.Read(ref _bytesClientToServer),
        Interlocked.Read(ref _bytesServerToClient),
        [.. _dropped.Select((_, i) => Interlocked.Read(ref _dropped[i]))],
        [.. _ended.Select((_, i) => Interlocked.Read(ref _ended[i]))]);
}

/// <summary>The UDP counters at one moment; the default value counts 0 everywhere, so a sum can start from it.</summary>
/// <param name="FlowsActive">Flows open now.</param>
/// <param name="Flows">Flows started since the bridge started.</param>
/// <param name="Dropped">Datagrams dropped, by <see cref="UdpDrop"/>; null for none.</param>
/// <param name="Ended">Flows ended, by <see cref="UdpFlowEnding"/>; null for none.</param>
public readonly record struct UdpCounters(
    long FlowsActive,
    long Flows,
    long DatagramsClientToServer,
    long DatagramsServerToClient,
    long BytesClientToServer,
    long BytesServerToClient,
    long[]? Dropped,
    long[]? Ended)
{
    /// <summary>Compared counter by counter: a missing array counts as all 0.</summary>
    public bool Equals(UdpCounters other)
    {
        var self = this;
        return FlowsActive == other.FlowsActive && Flows == other.Flows
            && DatagramsClientToServer == other.DatagramsClientToServer && DatagramsServerToClient == other.DatagramsServerToClient
            && BytesClientToServer == other.BytesClientToServer && BytesServerToClient == other.BytesServerToClient
            && UdpReasons.AllDrops.All(drop => self.DroppedFor(drop) == other.DroppedFor(drop))
            && UdpReasons.AllEndings.All(ending => self.EndedFor(ending) == other.EndedFor(ending));
    }

    public override int GetHashCode() => HashCode.Combine(FlowsActive, Flows, DatagramsClientToServer, DatagramsServerToClient, BytesClientToServer, BytesServerToClient);

    public long DroppedFor(UdpDrop drop) => Dropped is { } counts && (int)drop < counts.Length ? counts[(int)drop] : 0;

    public long EndedFor(UdpFlowEnding ending) => Ended is { } counts && (int)ending < counts.Length ? counts[(int)ending] : 0;

    /// <summary>Counter by counter, the sum of both.</summary>
    public UdpCounters Add(UdpCounters other)
    {
        var self = this;
        return new(
            FlowsActive + other.FlowsActive,
            Flows + other.Flows,
            DatagramsClientToServer + other.DatagramsClientToServer,
            DatagramsServerToClient + other.DatagramsServerToClient,
            BytesClientToServer + other.BytesClientToServer,
            BytesServerToClient + other.BytesServerToClient,
            [.. UdpReasons.AllDrops.Select(drop => self.DroppedFor(drop) + other.DroppedFor(drop))],
            [.. UdpReasons.AllEndings.Select(ending => self.EndedFor(ending) + other.EndedFor(ending))]);
    }

    /// <summary>One line for SIGUSR1, every kind shown even at 0 so that it can be parsed.</summary>
    public string Describe()
    {
        var self = this;
        var text = new StringBuilder(400);
        text.Append(CultureInfo.InvariantCulture, $"udp flows active {FlowsActive}, total {Flows}, datagrams client->server {DatagramsClientToServer}, server->client {DatagramsServerToClient}, bytes client->server {BytesClientToServer}, server->client {BytesServerToClient}, dropped: ");
        text.AppendJoin(", ", UdpReasons.AllDrops.Select(drop => string.Create(CultureInfo.InvariantCulture, $"{UdpReasons.Text(drop)} {self.DroppedFor(drop)}")));
        text.Append(", ended: ");
        text.AppendJoin(", ", UdpReasons.AllEndings.Select(ending => string.Create(CultureInfo.InvariantCulture, $"{UdpReasons.Name(ending).Replace('_', ' ')} {self.EndedFor(ending)}")));
        return text.ToString();
    }

    /// <summary>The same as JSON fields: udp_flows_active, udp_flows, udp_datagrams_*, udp_bytes_*, udp_dropped_&lt;reason&gt;, udp_ended_&lt;reason&gt;.</summary>
    public LogField[] Fields()
    {
        var self = this;
        var fields = new List<LogField>
        {
            LogField.Number("udp_flows_active", FlowsActive),
            LogField.Number("udp_flows", Flows),
            LogField.Number("udp_datagrams_client_to_server", DatagramsClientToServer),
            LogField.Number("udp_datagrams_server_to_client", DatagramsServerToClient),
            LogField.Number("udp_bytes_client_to_server", BytesClientToServer),
            LogField.Number("udp_bytes_server_to_client", BytesServerToClient),
        };
        fields.AddRange(UdpReasons.AllDrops.Select(drop => LogField.Number("udp_dropped_" + UdpReasons.Name(drop), self.DroppedFor(drop))));
        fields.AddRange(UdpReasons.AllEndings.Select(ending => LogField.Number("udp_ended_" + UdpReasons.Name(ending), self.EndedFor(ending))));
        return [.. fields];
    }
}
