using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// UDP forwards on real namespaces: a client in the listen netns, an echo server in the connect
/// netns, and the bridge between them. Each datagram comes back whole, in order, from the address
/// the client sent to.
/// </summary>
public sealed class UdpForwardingTests : UdpTest
{
    private static readonly int[] EdgeSizes = [1, 0, 7, 512, 1400, 9000, 40_000];

    public UdpForwardingTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task Datagrams_ComeBackWhole_OneForOne_InOrder() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));

        // Sizes around the edges, the empty datagram included: boundaries are kept, never merged or split.
        foreach (int size in EdgeSizes)
        {
            byte[] payload = SocketIo.Payload(size + 1, size);
            Assert.Equal(payload, await RoundTripAsync(client, payload));
        }

        // Fifty at once, numbered: they come back in the order they were sent.
        for (int i = 0; i < 50; i++)
        {
            await client.SendAsync(SocketIo.Payload(1000 + i, 100 + i), SocketFlags.None);
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(SocketIo.Payload(1000 + i, 100 + i), await ReceiveAsync(client));
        }

        // One client address, one flow: the server saw a single sender, in the connect netns.
        Assert.Single(server.Senders);
        Assert.Equal(IPAddress.Loopback, server.Senders.Keys.Single().Address);
        await WaitForUdpStatsAsync(bridge, "udp flows active 1, total 1, datagrams client->server 57, server->client 57");
    });

    [NamespaceFact]
    public Task LargestDatagrams_PassBothWays_OverIPv4AndIPv6() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        StartUdpEcho(connectSide, LoopbackV6(TargetPort));
        var bridge = StartBridge([
            "--rule", $"name=v4,listen=udp:127.0.0.1:{ListenPort},connect=udp:127.0.0.1:{TargetPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}",
            "--rule", $"name=v6,listen=udp:[::1]:{ListenPort},connect=udp:[::1]:{TargetPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}"]);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);
        while (!listenSide.Enter(() => File.ReadAllText("/proc/thread-self/net/udp6")).Contains($":{ListenPort:X4}", StringComparison.Ordinal))
        {
            await Task.Delay(20);
        }

        var v4 = ConnectUdp(listenSide, Loopback(ListenPort));
        byte[] largestV4 = SocketIo.Payload(7, 65_507);
        Assert.Equal(largestV4, await RoundTripAsync(v4, largestV4));

        var v6 = ConnectUdp(listenSide, LoopbackV6(ListenPort));
        byte[] largestV6 = SocketIo.Payload(8, 65_527);
        Assert.Equal(largestV6, await RoundTripAsync(v6, largestV6));
        byte[] small = SocketIo.Payload(9, 33);
        Assert.Equal(small, await RoundTripAsync(v6, small));
    });

    [NamespaceFact]
    public Task HundredClients_EachGetTheirOwnFlow_AndTheirOwnReplies() => WithTimeout(async () =>
    {
        const int Clients = 100;
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}");
        var clients = Enumerable.Range(0, Clients).Select(_ => ConnectUdp(listenSide, Loopback(ListenPort))).ToArray();

        // All at once: every client sends, then every client reads its own payload back.
        for (int i = 0; i < Clients; i++)
        {
            await clients[i].SendAsync(SocketIo.Payload(i, 200 + i), SocketFlags.None);
        }

        var replies = await Task.WhenAll(clients.Select(ReceiveAsync));
        for (int i = 0; i < Clients; i++)
        {
            Assert.Equal(SocketIo.Payload(i, 200 + i), replies[i]);
        }

        Assert.Equal(Clients, server.Senders.Count);
        await WaitForUdpStatsAsync(bridge, $"udp flows active {Clients}, total {Clients}, datagrams client->server {Clients}, server->client {Clients}");
    });

    [NamespaceFact]
    public Task WildcardListener_RepliesFromTheAddressTheClientSentTo() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        StartUdpEcho(connectSide, LoopbackV6(TargetPort));
        await StartUdpBridgeAsync(listenSide, connectSide, $"udp:0.0.0.0:{ListenPort}", $"udp:127.0.0.1:{TargetPort}");

        // Bound to 127.0.0.1, sending to 127.0.0.53: a reply from any other address than
        // 127.0.0.53 would not reach this connected socket.
        var client = ConnectUdp(listenSide, new IPEndPoint(IPAddress.Parse("127.0.0.53"), ListenPort), bindTo: Loopback(0));
        byte[] payload = SocketIo.Payload(3, 64);
        Assert.Equal(payload, await RoundTripAsync(client, payload));
        Assert.Equal(payload, await RoundTripAsync(client, payload));
    });

    [NamespaceFact]
    public Task DualStackWildcardListener_RepliesToIPv4AndIPv6Clients_FromTheirAddresses() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, LoopbackV6(TargetPort));
        await StartUdpBridgeAsync(listenSide, connectSide, $"udp:[::]:{ListenPort}", $"udp:[::1]:{TargetPort}", "--dual-stack", "yes");

        var v4 = ConnectUdp(listenSide, new IPEndPoint(IPAddress.Parse("127.0.0.53"), ListenPort), bindTo: Loopback(0));
        var v6 = ConnectUdp(listenSide, LoopbackV6(ListenPort));
        byte[] payload = SocketIo.Payload(4, 80);
        Assert.Equal(payload, await RoundTripAsync(v4, payload));
        Assert.Equal(payload, await RoundTripAsync(v6, payload));
    });

    [NamespaceFact]
    public Task HostNameTarget_IsResolvedInTheConnectNetns_AndItsFirstAddressUsed() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartUdpEcho(connectSide, new IPEndPoint(IPAddress.Parse("127.0.0.9"), TargetPort));
        Track(new EtcNetnsFiles(connectSide)).Write("hosts", "127.0.0.9 resolver.test\n127.0.0.10 resolver.test\n");
        var bridge = StartBridge(["-l", $"udp:127.0.0.1:{ListenPort}", "--listen-netns", listenSide.Name, "-c", $"udp:resolver.test:{TargetPort}", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);

        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        byte[] payload = SocketIo.Payload(10, 48);
        Assert.Equal(payload, await RoundTripAsync(client, payload));
        Assert.Equal(1, server.Datagrams);
    });

    [NamespaceFact]
    public Task TcpAndUdpRules_InOneConnector_BothWork() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge([
            "--rule", $"name=dns,listen=udp:127.0.0.1:{ListenPort},connect=udp:127.0.0.1:{TargetPort},listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}",
            "--rule", $"name=web,listen=127.0.0.1:8000,connect=127.0.0.1:9000,listen-netns={listenSide.FilePath},connect-netns={connectSide.FilePath}"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await listenSide.WaitForUdpSocketAsync(ListenPort, bridge);

        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        byte[] payload = SocketIo.Payload(5, 300);
        Assert.Equal(payload, await RoundTripAsync(client, payload));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 6, length: 10_000);
    });

    [NamespaceFact]
    public Task Stop_EndsEveryFlow_AndTheBridgeExitsZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartUdpEcho(connectSide, Loopback(TargetPort));
        var bridge = await StartUdpBridgeAsync(listenSide, connectSide, $"udp:127.0.0.1:{ListenPort}", $"udp:127.0.0.1:{TargetPort}");
        var client = ConnectUdp(listenSide, Loopback(ListenPort));
        Assert.Equal([1, 2, 3], await RoundTripAsync(client, [1, 2, 3]));

        bridge.Signal(15); // SIGTERM: nothing to drain for UDP
        Assert.Equal(new ExitStatus(0, 0), await bridge.WaitForExitAsync(StepTimeout));
        Assert.Contains(": bridge stopped; client->server 1 datagrams, 3 bytes, server->client 1 datagrams, 3 bytes", bridge.Stderr, StringComparison.Ordinal);
    });
}
