using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>What the UDP tests share: a bridge between two fresh namespaces, round trips, and the counters.</summary>
public abstract class UdpTest : IntegrationTest
{
    protected const int SIGUSR1 = 10;
    protected const int ListenPort = 5300;
    protected const int TargetPort = 9053;

    protected UdpTest(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>Starts the bridge from udp:LISTEN in <paramref name="listenSide"/> to udp:TARGET in <paramref name="connectSide"/> and waits until it has bound its socket.</summary>
    protected async Task<BridgeProcess> StartUdpBridgeAsync(TestNamespace listenSide, TestNamespace connectSide, string listen, string target, params string[] more)
    {
        var bridge = StartBridge(["-v", "-l", listen, "--listen-netns", listenSide.FilePath, "-c", target, "--connect-netns", connectSide.FilePath, .. more]);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);
        return bridge;
    }

    protected UdpEchoServer StartUdpEcho(TestNamespace ns, IPEndPoint endpoint) => Track(UdpEchoServer.Start(ns, endpoint));

    protected Socket ConnectUdp(TestNamespace ns, IPEndPoint endpoint, IPEndPoint? bindTo = null) => Track(ns.ConnectUdp(endpoint, bindTo));

    /// <summary>Sends <paramref name="payload"/> as one datagram and returns the one that comes back.</summary>
    protected static async Task<byte[]> RoundTripAsync(Socket client, byte[] payload)
    {
        await client.SendAsync(payload, SocketFlags.None);
        return await ReceiveAsync(client);
    }

    protected static async Task<byte[]> ReceiveAsync(Socket client)
    {
        byte[] buffer = new byte[70_000];
        using var timeout = new CancellationTokenSource(StepTimeout);
        int length = await client.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
        return buffer[..length];
    }

    /// <summary>Sends SIGUSR1 until the connector's UDP counters line contains <paramref name="expected"/>; returns that line.</summary>
    protected static Task<string> WaitForUdpStatsAsync(BridgeProcess bridge, string expected) =>
        WaitForUdpStatsAsync(bridge, line => line.Contains(expected, StringComparison.Ordinal));

    /// <summary>Sends SIGUSR1 until the connector's UDP counters line satisfies <paramref name="expected"/>; returns that line.</summary>
    protected static async Task<string> WaitForUdpStatsAsync(BridgeProcess bridge, Func<string, bool> expected)
    {
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (true)
        {
            bridge.Signal(SIGUSR1);
            await Task.Delay(100, timeout.Token);
            string? line = LogLines.Split(bridge.Stderr).LastOrDefault(l => l.Contains("stats: udp flows", StringComparison.Ordinal));
            if (line is not null && expected(line))
            {
                return line;
            }
        }
    }

    /// <summary>The number after <paramref name="name"/> in a UDP counters line ("buffer full", "datagrams client->server").</summary>
    protected static long UdpCounter(string line, string name)
    {
        int at = line.IndexOf(name + " ", StringComparison.Ordinal);
        Assert.True(at >= 0, $"no '{name}' in: {line}");
        string number = new([.. line[(at + name.Length + 1)..].TakeWhile(char.IsAsciiDigit)]);
        return long.Parse(number, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits for the -v line that says a flow of <paramref name="client"/> ended for <paramref name="reason"/>.</summary>
    protected static Task<string> WaitForFlowEndAsync(BridgeProcess bridge, Socket client, string reason) =>
        LogLines.WaitForLineAsync(
            () => bridge.Stderr,
            line => line.Contains($"udp flow {Format((IPEndPoint)client.LocalEndPoint!)} -> ", StringComparison.Ordinal) && line.Contains($": {reason}", StringComparison.Ordinal),
            StepTimeout,
            $"ending the flow of {client.LocalEndPoint} ({reason})");

    protected static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : endpoint.ToString();
}
