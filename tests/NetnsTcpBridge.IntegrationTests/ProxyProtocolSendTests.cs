using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --proxy-protocol: the target learns the client's own address (in the listen namespace), not
/// the bridge's. Checked with real haproxy (bind ... accept-proxy) answering with the source it
/// saw, and byte for byte with a server that keeps what it received.
/// </summary>
public sealed class ProxyProtocolSendTests : ProxyProtocolTest
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_CORK = 3;

    public ProxyProtocolSendTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceTheory]
    [InlineData("v1", false)]
    [InlineData("v2", false)]
    [InlineData("v1", true)]
    [InlineData("v2", true)]
    public Task HaproxyBehindTheBridge_SeesTheClientsAddressAndPort_AndTheAddressItConnectedTo(string version, bool ipv6) => WithTimeout(async () =>
    {
        string listenIp = ipv6 ? ListenIp6 : ListenIp;
        string clientIp = ipv6 ? ClientIp6 : ClientIp;
        var (listenSide, connectSide) = CreateNamespacePair();
        Track(await Haproxy.StartAsync(connectSide, SourceRevealingBackend, 8080));
        string listen = ipv6 ? $"[{listenIp}]:9000" : $"{listenIp}:9000";
        var bridge = StartBridge(["-l", listen, "--listen-netns", listenSide.Name, "-c", "127.0.0.1:8080", "--connect-netns", connectSide.Name, "--proxy-protocol", version]);
        await listenSide.WaitForListenerAsync(9000, bridge);

        var (body, clientPort) = await CurlAsync(listenSide, $"http://{listen}/", "--interface", clientIp);

        Assert.True(body == $"src={clientIp} sport={clientPort} dst={listenIp} dport=9000", $"haproxy saw \"{body}\"; the client was {clientIp}:{clientPort}; bridge: {bridge.Describe()}");
    });

    /// <summary>
    /// --proxy-protocol-loopback-as: a loopback client (a sandbox's own 127.x) is announced with the
    /// address given, so a target that trusts localhost does not trust it; others keep their own.
    /// </summary>
    [NamespaceTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public Task LoopbackClient_WithLoopbackAs_HaproxySeesTheGivenAddress(string version) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        Track(await Haproxy.StartAsync(connectSide, SourceRevealingBackend, 8080));
        var bridge = StartBridge(["-l", "0.0.0.0:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:8080", "--connect-netns", connectSide.Name,
            "--proxy-protocol", version, "--proxy-protocol-loopback-as", "192.0.2.77"]);
        await listenSide.WaitForListenerAsync(9000, bridge);

        var (loopbackBody, loopbackPort) = await CurlAsync(listenSide, "http://127.0.0.5:9000/", "--interface", "127.0.0.5");
        Assert.True(loopbackBody == $"src=192.0.2.77 sport={loopbackPort} dst=127.0.0.5 dport=9000", $"haproxy saw \"{loopbackBody}\"; bridge: {bridge.Describe()}");

        var (body, clientPort) = await CurlAsync(listenSide, $"http://{ListenIp}:9000/", "--interface", ClientIp);
        Assert.True(body == $"src={ClientIp} sport={clientPort} dst={ListenIp} dport=9000", $"haproxy saw \"{body}\"; bridge: {bridge.Describe()}");
    });

    [NamespaceTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public Task UnixSocketClient_HaproxyAcceptsTheAddresslessHeader_AndUsesTheConnectionItself(string version) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        Track(await Haproxy.StartAsync(connectSide, SourceRevealingBackend, 8080));
        string name = $"ntb-proxy-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var bridge = StartBridge(["-l", $"unix:@{name}", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:8080", "--connect-netns", connectSide.Name, "--proxy-protocol", version]);
        await WaitForAbstractSocketAsync(listenSide, name, bridge);

        var (body, _) = await CurlAsync(listenSide, "http://bridge/", "--abstract-unix-socket", name);

        // No client address to give: haproxy falls back to the connection it has, the bridge's own.
        Assert.Matches("^src=127\\.0\\.0\\.1 sport=[0-9]+ dst=127\\.0\\.0\\.1 dport=8080$", body);
    });

    [NamespaceTheory]
    [InlineData("v1")]
    [InlineData("v2")]
    public Task Tcp4Client_TheTargetReceivesExactlyTheHeaderThenThePayload(string version) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = Track(CapturingServer.Start(connectSide, Loopback(9100)));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name, "--proxy-protocol", version]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        byte[] payload = SocketIo.Payload(71, 200_000);

        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), 9000));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        byte[] reply = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        byte[] received = await server.NextAsync(StepTimeout);

        byte[] header = version == "v1"
            ? Encoding.ASCII.GetBytes($"PROXY TCP4 {ClientIp} {ListenIp} {clientPort} 9000\r\n")
            : [.. V2Signature, 0x21, 0x11, 0x00, 0x0C, 10, 200, 0, 2, 10, 200, 0, 1, (byte)(clientPort >> 8), (byte)clientPort, 0x23, 0x28];
        SocketIo.AssertSameBytes([.. header, .. payload], received, $"what the target received ({version} header, then the client's bytes)");
        SocketIo.AssertSameBytes(CapturingServer.Reply, reply, "the target's answer");
    });

    [NamespaceTheory]
    [InlineData("v1", "PROXY UNKNOWN\r\n")]
    [InlineData("v2", "\r\n\r\n\0\r\nQUIT\n\x20\0\0\0")]
    public Task UnixSocketClient_TheTargetReceivesUnknownOrLocal_ThenThePayload(string version, string header) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = Track(CapturingServer.Start(connectSide, Loopback(9100)));
        string name = $"ntb-proxy-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var bridge = StartBridge(["-l", $"unix:@{name}", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name, "--proxy-protocol", version]);
        await WaitForAbstractSocketAsync(listenSide, name, bridge);
        byte[] payload = SocketIo.Payload(72, 50_000);

        using var client = listenSide.Enter(() => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        await client.ConnectAsync(new UnixDomainSocketEndPoint("\0" + name)).WaitAsync(StepTimeout);
        await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);

        SocketIo.AssertSameBytes([.. Encoding.Latin1.GetBytes(header), .. payload], await server.NextAsync(StepTimeout), $"what the target received from a UNIX-socket client ({version})");
    });

    [NamespaceFact]
    public Task RulesSharingAConnector_EachGetsItsOwnProxySettings() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var plain = Track(CapturingServer.Start(connectSide, Loopback(9101)));
        var proxied = Track(CapturingServer.Start(connectSide, Loopback(9102)));
        var fronted = Track(CapturingServer.Start(connectSide, Loopback(9103)));
        string netns = $"listen-netns={listenSide.Name},connect-netns={connectSide.Name}";
        var bridge = StartBridge([
            "--rule", $"name=plain,listen={ListenIp}:9001,connect=127.0.0.1:9101,{netns}",
            "--rule", $"name=proxied,listen={ListenIp}:9002,connect=127.0.0.1:9102,{netns},proxy-protocol=v1",
            "--rule", $"name=fronted,listen={ListenIp}:9003,connect=127.0.0.1:9103,{netns},accept-proxy=yes,proxy-protocol=v2"]);
        await listenSide.WaitForListenerAsync(9001, bridge);
        await listenSide.WaitForListenerAsync(9002, bridge);
        await listenSide.WaitForListenerAsync(9003, bridge);

        byte[] payload = SocketIo.Payload(75, 30_000);
        async Task<int> SendAsync(int port, byte[] bytes)
        {
            using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), port));
            await client.EchoRoundTripAsync(bytes).WaitAsync(StepTimeout);
            return ((IPEndPoint)client.LocalEndPoint!).Port;
        }

        await SendAsync(9001, payload);
        int proxiedPort = await SendAsync(9002, payload);
        await SendAsync(9003, [.. Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::8 1000 2000\r\n"), .. payload]);
        await Assert.ThrowsAsync<SocketException>(() => SendAsync(9003, Encoding.ASCII.GetBytes("HELO\r\n")));

        SocketIo.AssertSameBytes(payload, await plain.NextAsync(StepTimeout), "rule 'plain': no header");
        SocketIo.AssertSameBytes([.. Encoding.ASCII.GetBytes($"PROXY TCP4 {ClientIp} {ListenIp} {proxiedPort} 9002\r\n"), .. payload], await proxied.NextAsync(StepTimeout), "rule 'proxied': a v1 header");
        byte[] v2 = [.. V2Signature, 0x21, 0x21, 0x00, 0x24, .. IPAddress.Parse("2001:db8::7").GetAddressBytes(), .. IPAddress.Parse("2001:db8::8").GetAddressBytes(), 0x03, 0xE8, 0x07, 0xD0];
        SocketIo.AssertSameBytes([.. v2, .. payload], await fronted.NextAsync(StepTimeout), "rule 'fronted': the announced client, in a v2 header");
        Assert.Contains("[fronted] client 10.200.0.2:", bridge.Stderr, StringComparison.Ordinal);
        Assert.Contains("bad PROXY header: not a PROXY protocol header", bridge.Stderr, StringComparison.Ordinal);
        Assert.Equal(1, plain.AcceptedCount);
        Assert.Equal(1, fronted.AcceptedCount);
    });

    [NamespaceFact]
    public Task TargetSocketWithAFullSendBuffer_TheHeaderWaitsForRoom_ThenStillPrecedesTheClientsBytes() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        using var listener = connectSide.Listen(Loopback(9100));
        listener.ReceiveBufferSize = 4096; // inherited by the accepted socket
        var preconnected = connectSide.CreateSocket(AddressFamily.InterNetwork);
        preconnected.SendBufferSize = 4096;
        await preconnected.ConnectAsync(Loopback(9100)).WaitAsync(StepTimeout);
        using var server = await listener.AcceptAsync().WaitAsync(StepTimeout);

        // Nobody reads yet: write until the kernel takes no more, even after the receiver has
        // acknowledged what fits its window, so the header cannot go out at once.
        byte[] filler = await FillUntilFullAsync(preconnected);
        BridgeProcess bridge;
        using (preconnected)
        {
            bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-C", "3", "--proxy-protocol", "v1", "-v"],
                [new InheritedFd((int)preconnected.SafeHandle.DangerousGetHandle(), 3)]);
        }

        await listenSide.WaitForListenerAsync(9000, bridge);
        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), 9000));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        byte[] payload = SocketIo.Payload(73, 100_000);
        await client.SendAllAsync(payload).WaitAsync(StepTimeout);
        client.Shutdown(SocketShutdown.Send);
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!bridge.Stderr.Contains("bytes; the rest waits for room", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the header was never held back: {bridge.Describe()}");
            await Task.Delay(20);
        }

        byte[] received = await server.ReceiveToEndAsync().WaitAsync(StepTimeout);

        byte[] header = Encoding.ASCII.GetBytes($"PROXY TCP4 {ClientIp} {ListenIp} {clientPort} 9000\r\n");
        SocketIo.AssertSameBytes([.. filler, .. header, .. payload], received, "what the target received: the test's own bytes, the header, the client's bytes");
    });

    private static async Task<byte[]> FillUntilFullAsync(Socket socket)
    {
        socket.Blocking = false;
        using var written = new MemoryStream();
        byte[] chunk = SocketIo.Payload(74, 1024);
        for (int round = 0; round < 100; round++)
        {
            long before = written.Length;
            while (true)
            {
                int sent = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    break;
                }

                Assert.Equal(SocketError.Success, error);
                written.Write(chunk, 0, sent);
            }

            if (round > 0 && written.Length == before)
            {
                return written.ToArray();
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"the send buffer never stayed full ({written.Length} bytes written)");
    }

    [NamespaceTheory]
    [InlineData("splice", false)]
    [InlineData("buffered", false)]
    [InlineData("splice", true)]
    [InlineData("buffered", true)]
    public Task BytesAndAnUrgentByteSentAtOnce_FollowTheHeader_WithTheMarkInItsPlace(string copyMethod, bool acceptProxy) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        using var listener = connectSide.Listen(Loopback(9100));

        // Before any connection: accepted sockets inherit it, so no read can lose the urgent byte.
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.OutOfBandInline, true);
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name,
            "--proxy-protocol", "v1", "--copy", copyMethod, .. acceptProxy ? ["--accept-proxy"] : Array.Empty<string>()]);
        await listenSide.WaitForListenerAsync(9000, bridge);

        // Sent the moment the connection stands: these bytes reach the bridge while it is still
        // reading the incoming header or connecting to the target, and must still come after the
        // outgoing header, the urgent byte marked where the client put it. With --accept-proxy the
        // header comes in two pieces, so that the bridge is still waiting for its end when the
        // urgent byte arrives: corked, the rest of the header, the bytes around the urgent one and
        // the urgent pointer travel in one segment, and so in one edge-triggered event.
        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), 9000));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        const string Announced = "PROXY TCP4 192.0.2.1 192.0.2.2 1111 2222\r\n";
        string header = acceptProxy ? Announced : $"PROXY TCP4 {ClientIp} {ListenIp} {clientPort} 9000\r\n";
        string before = acceptProxy ? Announced[10..] + "before" : "before";
        if (acceptProxy)
        {
            await client.SendAllAsync(Encoding.ASCII.GetBytes(Announced[..10]));
            await Task.Delay(300);
        }

        client.SetRawSocketOption(IPPROTO_TCP, TCP_CORK, BitConverter.GetBytes(1));
        Assert.Equal("ok", await client.TrySendWithUrgentByteAsync(before, '!', "after", StepTimeout));
        client.SetRawSocketOption(IPPROTO_TCP, TCP_CORK, BitConverter.GetBytes(0));

        // No FIN yet: a later segment would announce the urgent data again and hide a lost EPOLLPRI.
        using var server = await listener.AcceptAsync().WaitAsync(StepTimeout);
        string received = await server.ReceiveMarkingUrgentAsync(header.Length + "before!after".Length, StepTimeout);
        client.Shutdown(SocketShutdown.Send);
        string end = await server.ReceiveMarkingUrgentAsync(1, StepTimeout);

        Assert.Equal($"{header}before{PeerProbe.UrgentMark}!after", received);
        Assert.Equal("{EOF}", end);
    });
}
