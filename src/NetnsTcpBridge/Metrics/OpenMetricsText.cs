using System.Globalization;
using System.Text;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;

namespace NetnsTcpBridge.Metrics;

/// <summary>
/// The counters in the OpenMetrics text format 1.0.0: for each metric family its <c># TYPE</c>,
/// <c># UNIT</c> (when it has one) and <c># HELP</c> lines, then its samples; counters' samples end
/// in <c>_total</c>; the text ends with <c># EOF</c>. Every name starts with <c>netns_tcp_bridge_</c>.
/// </summary>
internal static class OpenMetricsText
{
    public const string ContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private const string Prefix = "netns_tcp_bridge_";

    private static readonly string EndedHelp =
        "Connections that have ended, by close reason (the close line's reason in snake_case): " + string.Join(", ", CloseReasons.All.Select(CloseReasons.Name)) + ".";

    public static string Format(StatisticsSnapshot counters, int active)
    {
        var text = new StringBuilder(6144);
        Family(text, "connections_active", "gauge", null, "Connections being relayed now: taken from the listener and not yet closed.");
        Sample(text, "connections_active", null, active);

        Family(text, "connections", "counter", null, "Clients taken from the listener since the bridge started.");
        Sample(text, "connections_total", null, counters.Taken);

        Family(text, "connections_ended", "counter", null, EndedHelp);
        foreach (var reason in CloseReasons.All)
        {
            // Every reason, even at 0: a series that appears only on its first ending hides that first increase from rate().
            Sample(text, "connections_ended_total", $"reason=\"{CloseReasons.Name(reason)}\"", counters.Ended[reason]);
        }

        Family(text, "bytes", "counter", "bytes", "Bytes relayed, by direction; a connection's bytes are added when it ends.");
        Sample(text, "bytes_total", "direction=\"client_to_server\"", counters.BytesClientToServer);
        Sample(text, "bytes_total", "direction=\"server_to_client\"", counters.BytesServerToClient);

        Family(text, "connect_failures", "counter", null,
            "Attempts to connect to the target that failed (refused, unreachable, timed out); a client counts once per address tried.");
        Sample(text, "connect_failures_total", null, counters.ConnectAttemptsFailed);

        FormatUdp(text, counters.Udp);
        text.Append("# EOF\n");
        return text.ToString();
    }

    // Every family even without a UDP route (all 0): the set of series does not depend on the rules.
    private static void FormatUdp(StringBuilder text, UdpCounters udp)
    {
        Family(text, "udp_flows_active", "gauge", null, "UDP flows open now: client addresses with a socket to the target.");
        Sample(text, "udp_flows_active", null, udp.FlowsActive);

        Family(text, "udp_flows", "counter", null, "UDP flows started since the bridge started.");
        Sample(text, "udp_flows_total", null, udp.Flows);

        Family(text, "udp_flows_ended", "counter", null, "UDP flows that have ended, by reason: " + string.Join(", ", UdpReasons.AllEndings.Select(UdpReasons.Name)) + ".");
        foreach (var ending in UdpReasons.AllEndings)
        {
            Sample(text, "udp_flows_ended_total", $"reason=\"{UdpReasons.Name(ending)}\"", udp.EndedFor(ending));
        }

        Family(text, "udp_datagrams", "counter", null, "UDP datagrams relayed, by direction.");
        Sample(text, "udp_datagrams_total", "direction=\"client_to_server\"", udp.DatagramsClientToServer);
        Sample(text, "udp_datagrams_total", "direction=\"server_to_client\"", udp.DatagramsServerToClient);

        Family(text, "udp_bytes", "counter", "bytes", "UDP payload bytes relayed, by direction.");
        Sample(text, "udp_bytes_total", "direction=\"client_to_server\"", udp.BytesClientToServer);
        Sample(text, "udp_bytes_total", "direction=\"server_to_client\"", udp.BytesServerToClient);

        Family(text, "udp_dropped", "counter", null, "UDP datagrams dropped, by reason: " + string.Join(", ", UdpReasons.AllDrops.Select(UdpReasons.Name)) + ".");
        foreach (var drop in UdpReasons.AllDrops)
        {
            Sample(text, "udp_dropped_total", $"reason=\"{UdpReasons.Name(drop)}\"", udp.DroppedFor(drop));
        }
    }

    private static void Family(StringBuilder text, string name, string type, string? unit, string help)
    {
        text.Append(CultureInfo.InvariantCulture, $"# TYPE {Prefix}{name} {type}\n");
        if (unit is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"# UNIT {Prefix}{name} {unit}\n");
        }

        // Help text is ours and holds neither a backslash nor a line break, the two characters to escape.
        text.Append(CultureInfo.InvariantCulture, $"# HELP {Prefix}{name} {help}\n");
    }

    private static void Sample(StringBuilder text, string name, string? labels, long value) =>
        text.Append(CultureInfo.InvariantCulture, $"{Prefix}{name}{(labels is null ? string.Empty : "{" + labels + "}")} {value}\n");
}
