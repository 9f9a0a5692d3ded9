using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>UDP forwards under load: a flood of new source addresses, and a long run of datagrams that must all arrive.</summary>
public sealed class UdpTests : ReliabilityTest
{
    private const int ListenPort = 5300;
    private const int TargetPort = 9053;
    private const int SIGUSR1 = 10;

    public UdpTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// A client that keeps its flow, then tens of thousands of datagrams from as many new source
    /// ports (what a spoofing sender can make the bridge see) with the flows capped at 1,000: no
    /// more than 1,000 flows are ever opened, every datagram past the cap is counted as dropped
    /// for the flow limit, memory and descriptors stay bounded, and the first client's flow is
    /// never displaced: its datagrams keep reaching the target from the same flow.
    /// </summary>
    [ReliabilityFact]
    public Task FloodOfNewSourcePorts_FlowsCapped_MemoryBounded_AnEstablishedClientKeepsItsFlow() => WithTimeout(TimeSpan.FromMinutes(4), async () =>
    {
        var figures = new Figures(Output, "hostile: UDP flood of new source ports");
        const int MaxFlows = 1000;
        int sources = Profile.Setting("NTB_UDP_FLOOD_SOURCES", 50_000, 20_000);
        var (bridge, connector, listenSide, server) = await StartUdpRelayAsync("--max-udp-flows", MaxFlows.ToString(CultureInfo.InvariantCulture));

        using var established = Track(listenSide.ConnectUdp(Loopback(ListenPort)));
        Assert.Equal(1, await RoundTripsAsync(established, 1, seed: 0));
        var flowOfEstablished = server.Senders.Keys.Single();
        var before = BridgeSample.Take(bridge.Pid, connector);

        // Each datagram from a socket of its own, so from a port of its own; sent as fast as the
        // kernel takes them. The established client goes on meanwhile, one round trip at a time.
        var clock = Stopwatch.StartNew();
        using var floodOver = new CancellationTokenSource();
        var keptAlive = Task.Run(async () =>
        {
            int answered = 0, asked = 0;
            while (!floodOver.IsCancellationRequested)
            {
                asked++;
                answered += await RoundTripsAsync(established, 1, seed: asked);
            }

            return (answered, asked);
        });
        var flood = Task.Run(() =>
        {
            byte[] datagram = new byte[64];
            for (int i = 0; i < sources; i++)
            {
                using var socket = listenSide.CreateUdpSocket(AddressFamily.InterNetwork);
                socket.Bind(Loopback(0));
                socket.SendTo(datagram, Loopback(ListenPort));
            }
        });
        await flood.WaitAsync(StepTimeout * 4);
        var floodTime = clock.Elapsed;
        var during = BridgeSample.Take(bridge.Pid, connector);
        await floodOver.CancelAsync();
        var (answered, asked) = await keptAlive.WaitAsync(StepTimeout);

        // After the flood, the established client is served as before, by its own flow.
        Assert.Equal(20, await RoundTripsAsync(established, 20, seed: 1000));
        string stats = await UdpStatsAsync(bridge);
        long flowsTotal = Counter(stats, ", total ");
        long droppedForCap = Counter(stats, "flow limit ");
        long received = Counter(stats, "datagrams client->server ");

        figures.Add("offered", $"{sources} datagrams of 64 bytes, each from a new source port, in {floodTime.TotalSeconds:0.0} s, with --max-udp-flows {MaxFlows}; one established client doing round trips meanwhile");
        figures.Add("flows", $"{flowsTotal} opened in all, {server.Senders.Count} seen by the target; {droppedForCap} datagrams dropped for the flow limit, {received} passed on");
        figures.Add("established client", $"{answered} of {asked} round trips answered during the flood (UDP: the kernel may drop when buffers are full), 20 of 20 after, from the same flow");
        figures.Add("bridge", $"before {before}; during {during}");

        Assert.True(flowsTotal <= MaxFlows, $"{flowsTotal} flows opened with --max-udp-flows {MaxFlows}: {stats}");
        Assert.True(server.Senders.Count <= MaxFlows, $"the target saw {server.Senders.Count} flows with --max-udp-flows {MaxFlows}");
        Assert.True(droppedForCap > 0, $"no datagram dropped for the flow limit after {sources} new sources: {stats}");
        Assert.True(server.Senders[flowOfEstablished] > 20, "the established client's datagrams stopped coming from its flow");
        Assert.True(during.ConnectorFds <= before.ConnectorFds + MaxFlows, $"connector descriptors {before.ConnectorFds} -> {during.ConnectorFds}, more than one per flow");
        long bound = MemoryBound.Scaled(32 * 1024);
        Assert.True(during.PssKiB - before.PssKiB <= bound, $"PSS grew {Figures.Mib(during.PssKiB - before.PssKiB)} during the flood (bound {Figures.Mib(bound)})");
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    /// <summary>
    /// One flow, a million numbered datagrams (100,000 in CI) kept 32 in flight, each echoed by the
    /// target: with the sender paced by the replies, nothing overflows, so not one may be lost,
    /// and each must come back whole.
    /// </summary>
    [ReliabilityFact]
    public Task MillionDatagramsPacedByReplies_NoneLostNoneDamaged() => WithTimeout(TimeSpan.FromMinutes(5), async () =>
    {
        var figures = new Figures(Output, "load: UDP datagrams on one flow");
        int count = Profile.Setting("NTB_UDP_DATAGRAMS", 1_000_000, 100_000);
        const int InFlight = 32, Size = 200;
        var (bridge, connector, listenSide, server) = await StartUdpRelayAsync();
        using var client = Track(listenSide.ConnectUdp(Loopback(ListenPort)));
        client.ReceiveBufferSize = 4 << 20;

        var clock = Stopwatch.StartNew();
        var (lost, damaged) = await Task.Run(() => PacedRun(client, count, InFlight, Size));
        var elapsed = clock.Elapsed;
        var sample = BridgeSample.Take(bridge.Pid, connector);

        figures.Add("offered", $"{count} datagrams of {Size} bytes, {InFlight} in flight, each numbered and echoed");
        figures.Add("rate", $"{count / elapsed.TotalSeconds:0} round trips/s ({elapsed.TotalSeconds:0.0} s)");
        figures.Add("result", $"{lost} lost, {damaged} damaged; the target received {server.Datagrams}");
        figures.Add("bridge", $"{sample}");

        Assert.Equal(0, lost);
        Assert.Equal(0, damaged);
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    /// <summary>
    /// Sends datagram i (its number in its first 4 bytes, then a pattern), keeping
    /// <paramref name="inFlight"/> unanswered; a datagram not answered within 2 s counts as lost.
    /// </summary>
    private static (int Lost, int Damaged) PacedRun(Socket client, int count, int inFlight, int size)
    {
        byte[] outgoing = new byte[size], incoming = new byte[65536];
        var waiting = new HashSet<int>();
        int next = 0, lost = 0, damaged = 0;
        client.ReceiveTimeout = 2000;
        while (next < count || waiting.Count > 0)
        {
            while (next < count && waiting.Count < inFlight)
            {
                Fill(outgoing, next);
                client.Send(outgoing);
                waiting.Add(next++);
            }

            int length;
            try
            {
                length = client.Receive(incoming);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                lost += waiting.Count;
                waiting.Clear();
                continue;
            }

            int number = BitConverter.ToInt32(incoming, 0);
            Fill(outgoing, number);
            if (length != size || !incoming.AsSpan(0, length).SequenceEqual(outgoing) || !waiting.Remove(number))
            {
                damaged++;
            }
        }

        return (lost, damaged);
    }

    private static void Fill(byte[] datagram, int number)
    {
        BitConverter.TryWriteBytes(datagram, number);
        for (int i = 4; i < datagram.Length; i++)
        {
            datagram[i] = (byte)(number + i);
        }
    }

    /// <summary>Round trips of one byte each on <paramref name="client"/>; how many were answered within 1 s.</summary>
    private static async Task<int> RoundTripsAsync(Socket client, int count, int seed)
    {
        int answered = 0;
        byte[] reply = new byte[16];
        for (int i = 0; i < count; i++)
        {
            byte sent = (byte)(seed + i);
            await client.SendAsync(new[] { sent });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                // A late reply of an earlier round trip is skipped.
                while (await client.ReceiveAsync(reply, timeout.Token) is var length && !(length == 1 && reply[0] == sent))
                {
                }

                answered++;
            }
            catch (OperationCanceledException)
            {
                // Lost: UDP, the kernel dropped it when a buffer was full.
            }
        }

        return answered;
    }

    private async Task<(BridgeProcess Bridge, int Connector, TestNamespace ListenSide, UdpEchoServer Server)> StartUdpRelayAsync(params string[] extra)
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = Track(UdpEchoServer.Start(connectSide, Loopback(TargetPort)));
        var bridge = StartBridge(["-l", $"udp:127.0.0.1:{ListenPort}", "-f", listenSide.FilePath, "-c", $"udp:127.0.0.1:{TargetPort}", "-t", connectSide.FilePath, .. extra]);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        return (bridge, connector, listenSide, server);
    }

    /// <summary>The UDP counters, from the stats line a SIGUSR1 makes the connector write.</summary>
    private static async Task<string> UdpStatsAsync(BridgeProcess bridge)
    {
        int before = Lines(bridge).Count;
        bridge.Signal(SIGUSR1);
        var deadline = DateTime.UtcNow + StepTimeout;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            if (Lines(bridge).Skip(before).LastOrDefault(line => line.Contains("stats: udp flows", StringComparison.Ordinal)) is { } line)
            {
                return line;
            }
        }

        throw new TimeoutException($"no UDP stats line after SIGUSR1: {bridge.Describe()}");
    }

    private static List<string> Lines(BridgeProcess bridge) => [.. bridge.Stderr.Split('\n')];

    /// <summary>The number after <paramref name="label"/> in the stats line.</summary>
    private static long Counter(string stats, string label)
    {
        int start = stats.IndexOf(label, StringComparison.Ordinal);
        Assert.True(start >= 0, $"no '{label}' in: {stats}");
        start += label.Length;
        int end = start;
        while (end < stats.Length && char.IsAsciiDigit(stats[end]))
        {
            end++;
        }

        return long.Parse(stats.AsSpan(start, end - start), CultureInfo.InvariantCulture);
    }
}
