using System.Text.RegularExpressions;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Relay.Udp;
using Xunit;

namespace NetnsTcpBridge.Tests.Metrics;

public partial class OpenMetricsTextTests
{
    private static readonly StatisticsSnapshot Counters = new(
        Taken: 12, BytesClientToServer: 3000, BytesServerToClient: 4_000_000_000_000, ConnectAttemptsFailed: 3,
        Ended: EndingCounts.Of(
            (CloseReason.FinBothWays, 7), (CloseReason.ResetByClient, 1), (CloseReason.ResetByServer, 2), (CloseReason.ConnectRefused, 3),
            (CloseReason.ConnectFailed, 4), (CloseReason.ConnectTimeout, 5), (CloseReason.IdleTimeout, 6), (CloseReason.ResetAtEndOfDrain, 8),
            (CloseReason.RefusedByPerSourceLimit, 9), (CloseReason.ResetOnStop, 10), (CloseReason.BadProxyHeader, 11), (CloseReason.RefusedUntrustedProxy, 13)))
    {
        Udp = new UdpCounters(FlowsActive: 4, Flows: 20, DatagramsClientToServer: 100, DatagramsServerToClient: 90, BytesClientToServer: 6400, BytesServerToClient: 126_000,
            Dropped: [1, 0, 2, 3, 0], Ended: [10, 5, 1, 0]),
    };

    [Fact]
    public void Format_IsTheExpectedText_WithOneEndedSamplePerCloseReason_ZeroIncluded()
    {
        string expected =
            "# TYPE netns_tcp_bridge_connections_active gauge\n" +
            "# HELP netns_tcp_bridge_connections_active Connections being relayed now: taken from the listener and not yet closed.\n" +
            "netns_tcp_bridge_connections_active 2\n" +
            "# TYPE netns_tcp_bridge_connections counter\n" +
            "# HELP netns_tcp_bridge_connections Clients taken from the listener since the bridge started.\n" +
            "netns_tcp_bridge_connections_total 12\n" +
            "# TYPE netns_tcp_bridge_connections_ended counter\n" +
            "# HELP netns_tcp_bridge_connections_ended Connections that have ended, by close reason (the close line's reason in snake_case): " +
            "fin_both_ways, reset_by_client, reset_by_server, connect_refused, connect_failed, connect_timeout, idle_timeout, reset_at_end_of_drain, " +
            "refused_by_per_source_limit, reset_on_stop, internal_error, bad_proxy_header, refused_untrusted_proxy.\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"fin_both_ways\"} 7\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"reset_by_client\"} 1\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"reset_by_server\"} 2\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"connect_refused\"} 3\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"connect_failed\"} 4\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"connect_timeout\"} 5\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"idle_timeout\"} 6\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"reset_at_end_of_drain\"} 8\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"refused_by_per_source_limit\"} 9\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"reset_on_stop\"} 10\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"internal_error\"} 0\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"bad_proxy_header\"} 11\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"refused_untrusted_proxy\"} 13\n" +
            "# TYPE netns_tcp_bridge_bytes counter\n" +
            "# UNIT netns_tcp_bridge_bytes bytes\n" +
            "# HELP netns_tcp_bridge_bytes Bytes relayed, by direction; a connection's bytes are added when it ends.\n" +
            "netns_tcp_bridge_bytes_total{direction=\"client_to_server\"} 3000\n" +
            "netns_tcp_bridge_bytes_total{direction=\"server_to_client\"} 4000000000000\n" +
            "# TYPE netns_tcp_bridge_connect_failures counter\n" +
            "# HELP netns_tcp_bridge_connect_failures Attempts to connect to the target that failed (refused, unreachable, timed out); a client counts once per address tried.\n" +
            "netns_tcp_bridge_connect_failures_total 3\n" +
            "# TYPE netns_tcp_bridge_udp_flows_active gauge\n" +
            "# HELP netns_tcp_bridge_udp_flows_active UDP flows open now: client addresses with a socket to the target.\n" +
            "netns_tcp_bridge_udp_flows_active 4\n" +
            "# TYPE netns_tcp_bridge_udp_flows counter\n" +
            "# HELP netns_tcp_bridge_udp_flows UDP flows started since the bridge started.\n" +
            "netns_tcp_bridge_udp_flows_total 20\n" +
            "# TYPE netns_tcp_bridge_udp_flows_ended counter\n" +
            "# HELP netns_tcp_bridge_udp_flows_ended UDP flows that have ended, by reason: idle_timeout, refused, target_error, stopped.\n" +
            "netns_tcp_bridge_udp_flows_ended_total{reason=\"idle_timeout\"} 10\n" +
            "netns_tcp_bridge_udp_flows_ended_total{reason=\"refused\"} 5\n" +
            "netns_tcp_bridge_udp_flows_ended_total{reason=\"target_error\"} 1\n" +
            "netns_tcp_bridge_udp_flows_ended_total{reason=\"stopped\"} 0\n" +
            "# TYPE netns_tcp_bridge_udp_datagrams counter\n" +
            "# HELP netns_tcp_bridge_udp_datagrams UDP datagrams relayed, by direction.\n" +
            "netns_tcp_bridge_udp_datagrams_total{direction=\"client_to_server\"} 100\n" +
            "netns_tcp_bridge_udp_datagrams_total{direction=\"server_to_client\"} 90\n" +
            "# TYPE netns_tcp_bridge_udp_bytes counter\n" +
            "# UNIT netns_tcp_bridge_udp_bytes bytes\n" +
            "# HELP netns_tcp_bridge_udp_bytes UDP payload bytes relayed, by direction.\n" +
            "netns_tcp_bridge_udp_bytes_total{direction=\"client_to_server\"} 6400\n" +
            "netns_tcp_bridge_udp_bytes_total{direction=\"server_to_client\"} 126000\n" +
            "# TYPE netns_tcp_bridge_udp_dropped counter\n" +
            "# HELP netns_tcp_bridge_udp_dropped UDP datagrams dropped, by reason: flow_limit, flow_setup_failed, buffer_full, too_large, send_failed.\n" +
            "netns_tcp_bridge_udp_dropped_total{reason=\"flow_limit\"} 1\n" +
            "netns_tcp_bridge_udp_dropped_total{reason=\"flow_setup_failed\"} 0\n" +
            "netns_tcp_bridge_udp_dropped_total{reason=\"buffer_full\"} 2\n" +
            "netns_tcp_bridge_udp_dropped_total{reason=\"too_large\"} 3\n" +
            "netns_tcp_bridge_udp_dropped_total{reason=\"send_failed\"} 0\n" +
            "# EOF\n";

        Assert.Equal(expected, OpenMetricsText.Format(Counters, active: 2));
    }

    [Fact]
    public void Format_FollowsTheOpenMetricsRules()
    {
        string[] lines = OpenMetricsText.Format(Counters, active: 0).Split('\n');

        // Ends with "# EOF" and a final line break, and nothing after it.
        Assert.Equal(["# EOF", string.Empty], lines[^2..]);
        var families = new Dictionary<string, string>();
        string? current = null;
        foreach (string line in lines[..^2])
        {
            var descriptor = Descriptor().Match(line);
            if (descriptor.Success)
            {
                string name = descriptor.Groups[2].Value;
                Assert.StartsWith("netns_tcp_bridge_", name, StringComparison.Ordinal);
                if (descriptor.Groups[1].Value == "TYPE")
                {
                    Assert.True(families.TryAdd(name, descriptor.Groups[3].Value), $"family {name} declared twice");
                    current = name;
                }
                else
                {
                    Assert.Equal(current, name); // UNIT and HELP belong to the family just declared
                }

                if (descriptor.Groups[1].Value == "UNIT")
                {
                    Assert.EndsWith("_" + descriptor.Groups[3].Value, name, StringComparison.Ordinal);
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            Assert.True(sample.Success, $"not a sample line: '{line}'");
            string expectedName = families[current!] == "counter" ? current + "_total" : current!;
            Assert.Equal(expectedName, sample.Groups[1].Value);
        }

        Assert.Equal(11, families.Count);
    }

    [Fact]
    public void Format_WithNothingCounted_StillHasEveryReasonAtZero()
    {
        string text = OpenMetricsText.Format(default, active: 0);

        foreach (var reason in CloseReasons.All)
        {
            Assert.Contains($"netns_tcp_bridge_connections_ended_total{{reason=\"{CloseReasons.Name(reason)}\"}} 0\n", text, StringComparison.Ordinal);
        }

        Assert.Equal(CloseReasons.All.Count, text.Split('\n').Count(line => line.StartsWith("netns_tcp_bridge_connections_ended_total{", StringComparison.Ordinal)));
    }

    [GeneratedRegex("^# (TYPE|UNIT|HELP) ([a-z_]+) (.+)$")]
    private static partial Regex Descriptor();

    [GeneratedRegex("^([a-z_]+)(\\{[a-z_]+=\"[a-z_]+\"\\})? [0-9]+$")]
    private static partial Regex SampleLine();
}
