using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --accept-proxy: a trusted front proxy (real haproxy with send-proxy / send-proxy-v2) tells
/// the bridge who the client is; the bridge consumes exactly the header, and passes the address
/// on in its own header. Bad headers reset that one connection, with one line saying why.
/// </summary>
public sealed class ProxyProtocolAcceptTests : ProxyProtocolTest
{
    private const int FrontPort = 7000;

    public ProxyProtocolAcceptTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceTheory]
    [InlineData("send-proxy", "v1")]
    [InlineData("send-proxy", "v2")]
    [InlineData("send-proxy-v2", "v1")]
    [InlineData("send-proxy-v2", "v2")]
    public Task HaproxyInFront_TheTargetGetsThePayloadIntact_BehindOurHeaderWithTheOriginalClient(string haproxySends, string weSend) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = Track(CapturingServer.Start(connectSide, Loopback(9100)));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name,
            "--accept-proxy", "--proxy-protocol", weSend, "-v"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        Track(await StartFrontAsync(listenSide, haproxySends));
        byte[] payload = SocketIo.Payload(81, 300_000);

        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), FrontPort));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        byte[] reply = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        byte[] received = await server.NextAsync(StepTimeout);

        // The client as haproxy saw it, and the address it connected to: haproxy's, not the bridge's.
        byte[] header = weSend == "v1"
            ? Encoding.ASCII.GetBytes($"PROXY TCP4 {ClientIp} {ListenIp} {clientPort} {FrontPort}\r\n")
            : [.. V2Signature, 0x21, 0x11, 0x00, 0x0C, 10, 200, 0, 2, 10, 200, 0, 1, (byte)(clientPort >> 8), (byte)clientPort, FrontPort >> 8, FrontPort & 0xFF];
        SocketIo.AssertSameBytes([.. header, .. payload], received, $"what the target received through haproxy ({haproxySends}) and the bridge ({weSend})");
        SocketIo.AssertSameBytes(CapturingServer.Reply, reply, "the target's answer, back through the bridge and haproxy");
        Assert.Contains($"client {ClientIp}:{clientPort}, connected to {ListenIp}:{FrontPort}", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task HaproxyOnBothSides_CurlsAddressReachesTheBackendThroughTheBridge() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        Track(await Haproxy.StartAsync(connectSide, SourceRevealingBackend, 8080));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:8080", "--connect-netns", connectSide.Name,
            "--accept-proxy", "--proxy-protocol", "v2"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        Track(await StartFrontAsync(listenSide, "send-proxy"));

        var (body, curlPort) = await CurlAsync(listenSide, $"http://{ListenIp}:{FrontPort}/", "--interface", ClientIp);

        Assert.True(body == $"src={ClientIp} sport={curlPort} dst={ListenIp} dport={FrontPort}", $"the backend saw \"{body}\"; curl was {ClientIp}:{curlPort}; bridge: {bridge.Describe()}");
    });

    [NamespaceTheory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN 1.2.3.4 5.6.7.8 9 10\r\n")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x20\x11\0\x0c\x01\x02\x03\x04\x05\x06\x07\x08\0\x09\0\x0a")] // LOCAL, with addresses to ignore
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x21\x00\0\0")] // PROXY, UNSPEC
    public Task HeaderWithoutClientAddress_TheConnectionsOwnEndpointsAreSentOn(string incoming) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = Track(CapturingServer.Start(connectSide, Loopback(9100)));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name,
            "--accept-proxy", "--proxy-protocol", "v1"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        byte[] payload = SocketIo.Payload(82, 10_000);

        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), 9000));
        int clientPort = ((IPEndPoint)client.LocalEndPoint!).Port;
        await client.EchoRoundTripAsync([.. Encoding.Latin1.GetBytes(incoming), .. payload]).WaitAsync(StepTimeout);

        byte[] expected = [.. Encoding.ASCII.GetBytes($"PROXY TCP4 {ClientIp} {ListenIp} {clientPort} 9000\r\n"), .. payload];
        SocketIo.AssertSameBytes(expected, await server.NextAsync(StepTimeout), "what the target received");
    });

    [NamespaceFact]
    public Task BadHeaders_EachResetsOnlyItsConnection_WithOneLineSayingWhy_WhileAGoodOneGoesOn() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        StartEchoServer(connectSide, Loopback(9100));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name,
            "--accept-proxy", "--accept-proxy-timeout", "2"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        var front = new IPEndPoint(IPAddress.Parse(ListenIp), 9000);

        // A good client whose header comes in two pieces, the second with its first bytes: the
        // bridge must wait for the rest, then consume the header and nothing more.
        using var good = await ConnectFromAsync(listenSide, ClientIp, front);
        byte[] first = SocketIo.Payload(83, 5_000);
        await good.SendAllAsync(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.7 198.51"));
        await Task.Delay(300);
        await good.SendAllAsync((byte[])[.. Encoding.ASCII.GetBytes(".100.9 4321 443\r\n"), .. first]);
        var goodEcho = ReceiveExactlyAsync(good, first.Length);

        (string Name, byte[] Bytes, bool HalfClose, string Why)[] bad =
        [
            ("HTTP instead of a header", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, "not a PROXY protocol header"),
            ("bare LF", Encoding.ASCII.GetBytes("PROXY TCP4 10.0.0.1 10.0.0.2 1 2\n"), false, "bare LF"),
            ("v1 address of the wrong family", Encoding.ASCII.GetBytes("PROXY TCP4 ::1 10.0.0.2 1 2\r\n"), false, "'::1' is not an IPv4 address"),
            ("v1 line too long", Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('x', 300)), false, "without CRLF in its first 107 bytes"),
            ("v2 version 1", [.. V2Signature, 0x11, 0x11, 0x00, 0x0C, .. new byte[12]], false, "version 1; only 2 exists"),
            ("v2 command 2", [.. V2Signature, 0x22, 0x11, 0x00, 0x0C, .. new byte[12]], false, "command 2 is neither"),
            ("v2 family 5", [.. V2Signature, 0x21, 0x51, 0x00, 0x0C, .. new byte[12]], false, "address family 5"),
            ("v2 oversized", [.. V2Signature, 0x21, 0x11, 0x10, 0x00], false, "announces 4096 bytes"),
            ("truncated, then FIN", Encoding.ASCII.GetBytes("PROXY TCP4 10.0.0.1 10.0"), true, "closed the connection after 24 byte(s)"),
            ("too slow", Encoding.ASCII.GetBytes("PROXY TCP4 10.0.0.1"), false, "not complete within 2 s"),
        ];
        await Task.WhenAll(bad.Select(c => AssertResetAsync(listenSide, front, c.Bytes, c.HalfClose, c.Name, bridge)));

        // The good connection lived through all of it, and only its own bytes come back.
        byte[] rest = SocketIo.Payload(84, 100_000);
        await good.SendAllAsync(rest);
        good.Shutdown(SocketShutdown.Send);
        SocketIo.AssertSameBytes([.. first, .. rest], [.. await goodEcho.WaitAsync(StepTimeout), .. await good.ReceiveToEndAsync().WaitAsync(StepTimeout)], "the good client's echo");

        Assert.False(bridge.HasExited, $"bad headers must not stop the bridge: {bridge.Describe()}");
        string[] lines = bridge.Stderr.Split('\n').Where(l => l.Contains("bad PROXY header", StringComparison.Ordinal)).ToArray();
        Assert.True(lines.Length == bad.Length, $"expected one line per bad header ({bad.Length}), got:\n{string.Join('\n', lines)}");
        foreach (var c in bad)
        {
            Assert.True(lines.Count(l => l.Contains(c.Why, StringComparison.Ordinal)) == 1, $"{c.Name}: no single line saying \"{c.Why}\" in:\n{string.Join('\n', lines)}");
        }

        await AssertEchoesAsync(listenSide, front, "PROXY TCP6 2001:db8::1 2001:db8::2 1 2\r\n");
        await AssertStatsCountAsync(bridge, $"bad PROXY header {bad.Length}");
    });

    [NamespaceFact]
    public Task WithoutProxyProtocolOut_TheTargetGetsThePayloadOnly() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = Track(CapturingServer.Start(connectSide, Loopback(9100)));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name, "--accept-proxy"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        Track(await StartFrontAsync(listenSide, "send-proxy-v2"));
        byte[] payload = SocketIo.Payload(85, 100_000);

        using var client = await ConnectFromAsync(listenSide, ClientIp, new IPEndPoint(IPAddress.Parse(ListenIp), FrontPort));
        await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);

        SocketIo.AssertSameBytes(payload, await server.NextAsync(StepTimeout), "what the target received: the header consumed, nothing else");
    });

    private static Task<Haproxy> StartFrontAsync(TestNamespace ns, string sendProxy) => Haproxy.StartAsync(ns, $"""
        listen front
            mode tcp
            bind {ListenIp}:{FrontPort}
            server bridge {ListenIp}:9000 {sendProxy}

        """, FrontPort);

    private async Task AssertResetAsync(TestNamespace ns, IPEndPoint front, byte[] bytes, bool halfClose, string name, BridgeProcess bridge)
    {
        using var client = await ConnectFromAsync(ns, ClientIp, front);
        try
        {
            await client.SendAllAsync(bytes).WaitAsync(StepTimeout);
            if (halfClose)
            {
                client.Shutdown(SocketShutdown.Send);
            }

            byte[] received = await client.ReceiveToEndAsync().WaitAsync(StepTimeout);
            Assert.Fail($"{name}: expected a reset, got {received.Length} bytes and an end of stream; bridge: {bridge.Describe()}");
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset)
        {
            // Reset: what a bad header must get.
        }
    }

    private static async Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, string header)
    {
        using var client = ns.CreateSocket(endpoint.AddressFamily);
        await client.ConnectAsync(endpoint).WaitAsync(StepTimeout);
        byte[] payload = SocketIo.Payload(86, 20_000);
        var receive = client.ReceiveToEndAsync();
        await client.SendAllAsync((byte[])[.. Encoding.ASCII.GetBytes(header), .. payload]);
        client.Shutdown(SocketShutdown.Send);
        SocketIo.AssertSameBytes(payload, await receive.WaitAsync(StepTimeout), "echo of a new good client after the bad ones");
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int total = 0;
        while (total < count)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(total), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return buffer[..total];
    }

    private static async Task AssertStatsCountAsync(BridgeProcess bridge, string expected)
    {
        const int SIGUSR1 = 10;
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (!bridge.Stderr.Contains(expected, StringComparison.Ordinal))
        {
            // The last close may still be on its way; ask again until the counters show it.
            bridge.Signal(SIGUSR1);
            await Task.Delay(100, timeout.Token);
        }
    }
}
