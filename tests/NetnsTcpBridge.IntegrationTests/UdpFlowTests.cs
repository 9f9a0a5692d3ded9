using System.Net;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>How UDP flows end (idle, refused by the target) and the cap on how many are open.</summary>
public sealed class UdpFlowTests : UdpTest
{
    public UdpFlowTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task IdleFlow_Ends_AndTheClientsNextDatagramStartsANewOne() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}", "--udp-idle-timeout", "0.3");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        Assert.Equal([1], await RoundTripAsync(client, [1]));

        string line = await WaitForFlowEndAsync(bridge, client, "idle timeout");
        Assert.EndsWith("; client->server 1 datagrams, 1 bytes, server->client 1 datagrams, 1 bytes", line, StringComparison.Ordinal);

        Assert.Equal([2, 2], await RoundTripAsync(client, [2, 2]));
        await WaitForUdpStatsAsync(bridge, "udp flows active 1, total 2,");
    });

    [NamespaceFact]
    public Task TargetPortClosed_IcmpRefusal_EndsTheFlow_NothingIsRetried() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));

        // Nothing listens on the target port: the connect netns answers with ICMP port unreachable.
        await client.SendAsync(new byte[] { 42 });
        string line = await WaitForFlowEndAsync(bridge, client, "refused by the target (ICMP port unreachable): ECONNREFUSED");
        Assert.Contains("client->server 1 datagrams, 1 bytes, server->client 0 datagrams", line, StringComparison.Ordinal);

        // Once something listens there, the client's next datagram gets through on a new flow;
        // the refused one was not sent again.
        var server = StartUdpEcho(connectSide, Loopback(TargetPort));
        Assert.Equal([43], await RoundTripAsync(client, [43]));
        Assert.Equal(1, server.Datagrams);
        await WaitForUdpStatsAsync(bridge, "ended: idle timeout 0, refused 1, target error 0, stopped 0");
    });

    [NamespaceFact]
    public Task FlowCap_DropsNewClients_CountsAndSaysSo_AndAFreedFlowLetsOneIn() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}", "--max-udp-flows", "2");
        var first = ConnectUdp(listenSide, Loopback(ListenPort));
        var second = ConnectUdp(listenSide, Loopback(ListenPort));
        var third = ConnectUdp(listenSide, Loopback(ListenPort));
        Assert.Equal([1], await RoundTripAsync(first, [1]));
        Assert.Equal([2], await RoundTripAsync(second, [2]));

        await third.SendAsync(new byte[] { 3 });
        string stats = await WaitForUdpStatsAsync(bridge, "dropped: flow limit 1,");
        Assert.Contains("udp flows active 2, total 2, datagrams client->server 2, server->client 2", stats, StringComparison.Ordinal);
        await LogLines.WaitForLineAsync(() => bridge.Stderr, l => l.Contains("udp: 2 flows open (--max-udp-flows): dropped 1 datagram(s) from new client addresses", StringComparison.Ordinal), StepTimeout, "warning about the flow cap");
        Assert.Equal(2, server.Senders.Count);

        // The first flow ends (its target stopped answering: ICMP), which makes room for the third client.
        server.Dispose();
        await first.SendAsync(new byte[] { 4 });
        await WaitForFlowEndAsync(bridge, first, "refused by the target");
        StartUdpEcho(connectSide, Loopback(TargetPort));
        Assert.Equal([5], await RoundTripAsync(third, [5]));
    });

    [NamespaceFact]
    public Task JsonLogs_GiveTheFlowEndAndTheUdpCountersAsKeys() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}", "--log-format", "json", "--udp-idle-timeout", "0.2");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        Assert.Equal(new byte[5], await RoundTripAsync(client, new byte[5]));

        string end = await LogLines.WaitForLineAsync(() => bridge.Stderr, l => l.Contains("\"event\":\"udp_flow_end\"", StringComparison.Ordinal), StepTimeout, "ending the flow (JSON)");
        using (var document = LogLines.ParseJson(end))
        {
            var flow = document.RootElement;
            Assert.Equal(Format((IPEndPoint)client.LocalEndPoint!), flow.GetProperty("client").GetString());
            Assert.Equal($"udp:127.0.0.1:{TargetPort}", flow.GetProperty("target").GetString());
            Assert.Equal("idle_timeout", flow.GetProperty("reason_code").GetString());
            Assert.Equal(1, flow.GetProperty("datagrams_client_to_server").GetInt64());
            Assert.Equal(5, flow.GetProperty("bytes_server_to_client").GetInt64());
        }

        bridge.Signal(SIGUSR1);
        string stats = await LogLines.WaitForLineAsync(() => bridge.Stderr, l => l.Contains("\"event\":\"udp_stats\"", StringComparison.Ordinal), StepTimeout, "the UDP counters (JSON)");
        using var counters = LogLines.ParseJson(stats);
        Assert.Equal(0, counters.RootElement.GetProperty("udp_flows_active").GetInt64());
        Assert.Equal(1, counters.RootElement.GetProperty("udp_flows").GetInt64());
        Assert.Equal(1, counters.RootElement.GetProperty("udp_ended_idle_timeout").GetInt64());
        Assert.Equal(0, counters.RootElement.GetProperty("udp_dropped_flow_limit").GetInt64());
    });

    [NamespaceFact]
    public Task Metrics_ShowTheUdpCounters() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}", "--metrics", "127.0.0.1:9464", "--metrics-netns", "listen");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        Assert.Equal(new byte[10], await RoundTripAsync(client, new byte[10]));

        using var http = await ConnectAsync(listenSide, Loopback(9464));
        await http.SendAllAsync("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray());
        string text = System.Text.Encoding.UTF8.GetString(await http.ReceiveToEndAsync().WaitAsync(StepTimeout));
        Assert.Contains("netns_tcp_bridge_udp_flows_active 1\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_datagrams_total{direction=\"client_to_server\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_bytes_total{direction=\"server_to_client\"} 10\n", text, StringComparison.Ordinal);
        Assert.Contains("netns_tcp_bridge_udp_dropped_total{reason=\"flow_limit\"} 0\n", text, StringComparison.Ordinal);
        _ = bridge;
    });

    [NamespaceFact]
    public Task Dig_ThroughTheBridge_GetsItsAnswer() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        Track(DnsResponder.Start(connectSide, IPAddress.Loopback, new Dictionary<string, IPAddress[]> { ["backend.test"] = [IPAddress.Parse("192.0.2.7")] }));
        await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.53:{ListenPort}", "udp:127.0.0.1:53");

        var dig = await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "exec", listenSide.Name, "dig", "+short", "+tries=1", "+time=5", "-p", $"{ListenPort}", "@127.0.0.53", "backend.test", "A");

        Assert.True(dig.ExitCode == 0, dig.ToString());
        Assert.Equal("192.0.2.7", dig.Stdout.Trim());
    });
}
