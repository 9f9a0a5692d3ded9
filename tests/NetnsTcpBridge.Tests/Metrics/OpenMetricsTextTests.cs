using System.Text.RegularExpressions;
using NetnsTcpBridge.Metrics;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Metrics;

public partial class OpenMetricsTextTests
{
    private static readonly StatisticsSnapshot Counters = new(
        Taken: 12, BytesClientToServer: 3000, BytesServerToClient: 4_000_000_000_000, Closed: 7, Reset: 2, ConnectFailed: 1, Aborted: 0, ConnectAttemptsFailed: 3, BadProxyHeader: 4);

    [Fact]
    public void Format_IsTheExpectedText()
    {
        string expected =
            "# TYPE netns_tcp_bridge_connections_active gauge\n" +
            "# HELP netns_tcp_bridge_connections_active Connections being relayed now: taken from the listener and not yet closed.\n" +
            "netns_tcp_bridge_connections_active 2\n" +
            "# TYPE netns_tcp_bridge_connections counter\n" +
            "# HELP netns_tcp_bridge_connections Clients taken from the listener since the bridge started.\n" +
            "netns_tcp_bridge_connections_total 12\n" +
            "# TYPE netns_tcp_bridge_connections_ended counter\n" +
            "# HELP netns_tcp_bridge_connections_ended Connections that have ended, by how: fin (closed both ways), reset (one side reset, passed on), connect_failed (the target could not be reached), aborted (reset by the bridge: stopping, end of drain, idle timeout, per-source limit, internal error), bad_proxy_header (a bad PROXY header from the client).\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"fin\"} 7\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"reset\"} 2\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"connect_failed\"} 1\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"aborted\"} 0\n" +
            "netns_tcp_bridge_connections_ended_total{reason=\"bad_proxy_header\"} 4\n" +
            "# TYPE netns_tcp_bridge_bytes counter\n" +
            "# UNIT netns_tcp_bridge_bytes bytes\n" +
            "# HELP netns_tcp_bridge_bytes Bytes relayed, by direction; a connection's bytes are added when it ends.\n" +
            "netns_tcp_bridge_bytes_total{direction=\"client_to_server\"} 3000\n" +
            "netns_tcp_bridge_bytes_total{direction=\"server_to_client\"} 4000000000000\n" +
            "# TYPE netns_tcp_bridge_connect_failures counter\n" +
            "# HELP netns_tcp_bridge_connect_failures Attempts to connect to the target that failed (refused, unreachable, timed out); a client counts once per address tried.\n" +
            "netns_tcp_bridge_connect_failures_total 3\n" +
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

        Assert.Equal(5, families.Count);
    }

    [GeneratedRegex("^# (TYPE|UNIT|HELP) ([a-z_]+) (.+)$")]
    private static partial Regex Descriptor();

    [GeneratedRegex("^([a-z_]+)(\\{[a-z_]+=\"[a-z_]+\"\\})? [0-9]+$")]
    private static partial Regex SampleLine();
}
