using System.Net.Sockets;
using System.Text.Json;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>UDP under load: a real traffic generator through the bridge, and datagrams that find no room.</summary>
public sealed class UdpLoadTests : UdpTest
{
    private const int IperfPort = 5201;
    private const int DatagramBytes = 1200;

    public UdpLoadTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// iperf3 -u at 50 Mbit/s for 3 s: its control connection over a TCP rule, its datagrams
    /// over a UDP rule of the same connector. What counts is that the datagrams arrive and that
    /// iperf3's own accounting of them adds up, not the rate this machine reaches.
    /// </summary>
    [NamespaceFact]
    public Task Iperf3Udp_ThroughTheBridge_TheServerReceivesTheDatagrams_AndReportsTheLoss() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        Track(ExternalProcess.Start("ip", "netns", "exec", connectSide.Name, "iperf3", "--server", "--one-off", "--port", $"{IperfPort}"));
        await connectSide.WaitForListenerAsync(IperfPort);
        var bridge = StartBridge([
            "--rule", $"name=control,listen=127.0.0.1:{IperfPort},connect=127.0.0.1:{IperfPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}",
            "--rule", $"name=data,listen=udp:127.0.0.1:{IperfPort},connect=udp:127.0.0.1:{IperfPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}"]);
        await listenSide.WaitForListenerAsync(IperfPort, bridge);
        await listenSide.WaitForUdpSocketAsync(IperfPort, bridge);

        var run = await ExternalProcess.RunAsync(TimeSpan.FromSeconds(20), "ip", "netns", "exec", listenSide.Name,
            "iperf3", "--client", "127.0.0.1", "--port", $"{IperfPort}", "--udp", "--bitrate", "50M", "--time", "3", "--length", $"{DatagramBytes}", "--json");
        Output.WriteLine(run.ToString());
        using var report = JsonDocument.Parse(run.Stdout);
        Assert.False(report.RootElement.TryGetProperty("error", out var error), $"iperf3: {error}");
        var sent = report.RootElement.GetProperty("end").GetProperty("sum_sent");
        var received = report.RootElement.GetProperty("end").GetProperty("sum_received");
        long sentPackets = sent.GetProperty("packets").GetInt64();

        // The server counts up to the highest sequence number it saw, and the gaps below it as lost.
        long highest = received.GetProperty("packets").GetInt64();
        long lost = received.GetProperty("lost_packets").GetInt64();
        long arrived = highest - lost;

        // Most of what was sent arrived whole; whatever did not is reported as lost.
        Assert.True(arrived > 0 && arrived * 2 >= sentPackets, $"the server received {arrived} of {sentPackets} datagrams");
        Assert.Equal(arrived * DatagramBytes, received.GetProperty("bytes").GetInt64());
        Assert.True(lost >= 0 && highest <= sentPackets, $"highest sequence number {highest}, lost {lost}, sent {sentPackets}");

        // The bridge passed on at least what the server got, iperf3's greeting datagram besides.
        string stats = await WaitForUdpStatsAsync(bridge, line => UdpCounter(line, "datagrams client->server") > arrived);
        // One flow carried the test. It may have ended already: the one-off server closes its
        // socket at the end, and a datagram still sent then is refused (ICMP), which ends the flow.
        Assert.Matches("udp flows active [01], total 1,", stats);
    });

    /// <summary>
    /// A target behind a link far slower than the client: the flow's send buffer fills and sends
    /// fail with EAGAIN. Those datagrams are dropped and counted as buffer full, never waited
    /// for, so the relay's one thread goes on serving another rule's flow at once.
    /// </summary>
    [NamespaceFact]
    public Task TargetCannotKeepUp_DatagramsAreDroppedAndCountedAsBufferFull_OtherFlowsKeepWorking() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        connectSide.AddSlowLink("10.9.0.1", "10.9.0.2");
        StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = StartBridge([
            "-v",
            "--rule", $"name=slow,listen=udp:127.0.0.1:{ListenPort},connect=udp:10.9.0.2:{TargetPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}",
            "--rule", $"name=fast,listen=udp:127.0.0.1:{ListenPort + 1},connect=udp:127.0.0.1:{TargetPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}"]);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);
        await listenSide.WaitForUdpSocketAsync(ListenPort + 1, bridge);
        var flooding = ConnectUdp(listenSide, Loopback(ListenPort));
        var other = ConnectUdp(listenSide, Loopback(ListenPort + 1));

        // About 200 such datagrams fill a default send buffer; the link passes one a second.
        byte[] datagram = SocketIo.Payload(1, 1000);
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 100; i++)
            {
                flooding.Send(datagram, SocketFlags.None);
            }

            byte[] payload = SocketIo.Payload(round + 2, 100);
            Assert.Equal(payload, await RoundTripAsync(other, payload));
        }

        string stats = await WaitForUdpStatsAsync(bridge, line => UdpCounter(line, "buffer full") > 0);
        Output.WriteLine(stats);
        Assert.Contains("udp flows active 2, total 2,", stats, StringComparison.Ordinal);
        Assert.Contains("too large 0, send failed 0,", stats, StringComparison.Ordinal);
        Assert.True(UdpCounter(stats, "datagrams client->server") + UdpCounter(stats, "buffer full") <= 2020, stats);

        // Still serving: both flows open, the other one answering.
        byte[] last = SocketIo.Payload(99, 100);
        Assert.Equal(last, await RoundTripAsync(other, last));
        Assert.False(bridge.HasExited, bridge.Describe());
    });
}
