using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --accept-proxy-from: only peers in its prefixes may send a PROXY header. A client outside
/// them is reset before a byte of it is read, whatever its header says, counted and logged; one
/// inside is served with the address its header announces.
/// </summary>
public sealed class ProxyProtocolTrustTests : ProxyProtocolTest
{
    public ProxyProtocolTrustTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <param name="listen">An IPv4 listener, or a dual-stack one, whose IPv4 peers are IPv4-mapped IPv6 addresses.</param>
    [NamespaceTheory]
    [InlineData(ListenIp + ":9000")]
    [InlineData("[::]:9000")]
    public Task PeerOutsideTheList_IsResetBeforeItsHeaderIsRead_APeerInsideIsServed(string listen) => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        var server = StartEchoServer(connectSide, Loopback(9100));
        var bridge = StartBridge(["-l", listen, "--dual-stack", "yes", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name,
            "--accept-proxy", "--accept-proxy-from", $"{ClientIp},fd00:300::/64", "-v"]);
        await listenSide.WaitForListenerAsync(9000, bridge);
        var bridgeAddress = new IPEndPoint(IPAddress.Parse(ListenIp), 9000);

        // From the listen address itself, which is not in the list: its header claims a client it may not vouch for.
        // Bound first, so its port is known even when the reset overtakes the connect's completion.
        var outsider = Track(listenSide.CreateSocket(AddressFamily.InterNetwork));
        outsider.Bind(new IPEndPoint(IPAddress.Parse(ListenIp), 0));
        int outsiderPort = ((IPEndPoint)outsider.LocalEndPoint!).Port;
        var refused = await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            await outsider.ConnectAsync(bridgeAddress).WaitAsync(StepTimeout);
            await outsider.SendAllAsync(Encoding.ASCII.GetBytes($"PROXY TCP4 203.0.113.7 {ListenIp} 40000 9000\r\nhello"));
            await outsider.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);

        using var insider = await ConnectFromAsync(listenSide, ClientIp, bridgeAddress);
        byte[] payload = SocketIo.Payload(91, 20_000);
        await insider.SendAllAsync(Encoding.ASCII.GetBytes($"PROXY TCP4 203.0.113.8 {ListenIp} 40001 9000\r\n"));
        SocketIo.AssertSameBytes(payload, await insider.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo for the trusted proxy's client");

        Assert.Equal(1, server.AcceptedCount);
        string outsiderName = listen.StartsWith('[') ? $"[::ffff:{ListenIp}]:{outsiderPort}" : $"{ListenIp}:{outsiderPort}";
        Assert.Contains($"client {outsiderName}: not in --accept-proxy-from ({ClientIp}/32,fd00:300::/64), so its PROXY header is not believed: resetting the connection",
            bridge.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.7", bridge.Stderr, StringComparison.Ordinal);
        await LogLines.WaitForLineAsync(() => bridge.Stderr, line => line.Contains(": refused untrusted proxy;", StringComparison.Ordinal), StepTimeout, "the refused client's close line");
        await AssertStatsCountAsync(bridge, "refused untrusted proxy 1");
    });

    /// <summary>Without the option every peer is trusted, as before: the same outsider is served.</summary>
    [NamespaceFact]
    public Task WithoutTheList_EveryPeerIsTrusted() => WithTimeout(async () =>
    {
        var (listenSide, connectSide) = CreateNamespacePair();
        StartEchoServer(connectSide, Loopback(9100));
        var bridge = StartBridge(["-l", $"{ListenIp}:9000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9100", "--connect-netns", connectSide.Name, "--accept-proxy"]);
        await listenSide.WaitForListenerAsync(9000, bridge);

        using var client = await ConnectFromAsync(listenSide, ListenIp, new IPEndPoint(IPAddress.Parse(ListenIp), 9000));
        byte[] payload = SocketIo.Payload(92, 1_000);
        await client.SendAllAsync(Encoding.ASCII.GetBytes($"PROXY TCP4 203.0.113.7 {ListenIp} 40000 9000\r\n"));
        SocketIo.AssertSameBytes(payload, await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo without --accept-proxy-from");
    });

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
