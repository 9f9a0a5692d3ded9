using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --max-connections-per-source: a client whose source (its address, an IPv6 /64, all of
/// 127.0.0.0/8, or the prefix --source-prefix sets) already has N connections open is reset at
/// once, while those N keep working; once one of them closes, a new one is taken. UNIX-socket
/// clients have no address and are not limited.
/// </summary>
public sealed class PerSourceLimitTests : IntegrationTest
{
    public PerSourceLimitTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task ThirdConnectionFromOneAddress_IsReset_TheFirstTwoKeepWorking_AndAfterOneClosesANewOneIsTaken() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-v", "--max-connections-per-source", "2", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var first = await ConnectAsync(listenSide, Loopback(8000));
        var second = await ConnectAsync(listenSide, Loopback(8000));
        await EchoOnceAsync(first, 1);
        await EchoOnceAsync(second, 2);

        // Bound first, so its address is known even when the reset overtakes the connect's completion.
        var third = Track(listenSide.CreateSocket(AddressFamily.InterNetwork));
        third.Bind(Loopback(0));
        string thirdAddress = Describe(third);
        var refused = await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            await third.ConnectAsync(Loopback(8000));
            await third.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);

        await EchoOnceAsync(first, 3);
        await EchoOnceAsync(second, 4);
        Assert.Equal(2, server.AcceptedCount);
        string refusal = await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsTextClose(line, thirdAddress), StepTimeout, "closing the refused client");
        Assert.Contains(": refused by per-source limit; client->server 0 bytes, server->client 0 bytes", refusal, StringComparison.Ordinal);
        Assert.Contains("warning: clients in 127.0.0.0/8 already have 2 connection(s) open (--max-connections-per-source)", bridge.Stderr, StringComparison.Ordinal);

        // The close line is written once the connection no longer counts for its address.
        string firstAddress = Describe(first);
        first.Shutdown(SocketShutdown.Send);
        Assert.Empty(await first.ReceiveToEndAsync().WaitAsync(StepTimeout));
        await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsTextClose(line, firstAddress), StepTimeout, "closing the first client");

        var fourth = await ConnectAsync(listenSide, Loopback(8000));
        await EchoOnceAsync(fourth, 5);
        await EchoOnceAsync(second, 6);
        Assert.Equal(3, server.AcceptedCount);
    });

    /// <summary>
    /// A sandboxed client may bind any of 16 M loopback addresses: every one of them is the same
    /// source, or the limit would be no limit at all.
    /// </summary>
    [NamespaceFact]
    public Task ClientBindingAnotherLoopbackAddress_CountsAsTheSameSource_AndIsReset() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["--max-connections-per-source", "1", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var first = await ConnectFromAsync(listenSide, "127.0.0.2");
        await EchoOnceAsync(first, 12);
        // The reset may come before the connect's completion is seen, or after it.
        var refused = await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            var second = await ConnectFromAsync(listenSide, "127.0.0.3");
            await second.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);

        await EchoOnceAsync(first, 13);
        Assert.Equal(1, server.AcceptedCount);
        await LogLines.WaitForLineAsync(() => bridge.Stderr, line => line.Contains("clients in 127.0.0.0/8 already have 1 connection(s) open", StringComparison.Ordinal), StepTimeout, "the refusal's warning");
    });

    /// <summary>Other addresses count one by one by default; --source-prefix 24 makes a /24 one source.</summary>
    [NamespaceTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task TwoAddressesOfOneSlash24_AreTwoSources_UnlessSourcePrefixSays24(bool prefix24) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        listenSide.AddLoopbackAddress("10.77.0.1");
        listenSide.AddLoopbackAddress("10.77.0.2");
        var server = StartEchoServer(connectSide, Loopback(9000));
        string[] prefix = prefix24 ? ["--source-prefix", "24"] : [];
        var bridge = StartBridge(["--max-connections-per-source", "1", .. prefix, "-l", "0.0.0.0:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var first = await ConnectFromAsync(listenSide, "10.77.0.1", "10.77.0.1");
        await EchoOnceAsync(first, 14);
        if (prefix24)
        {
            // The reset may come before the connect's completion is seen, or after it.
            var refused = await Assert.ThrowsAnyAsync<SocketException>(async () =>
            {
                var second = await ConnectFromAsync(listenSide, "10.77.0.2", "10.77.0.1");
                await second.ReceiveToEndAsync().WaitAsync(StepTimeout);
            });
            Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);
            Assert.Equal(1, server.AcceptedCount);
        }
        else
        {
            var second = await ConnectFromAsync(listenSide, "10.77.0.2", "10.77.0.1");
            await EchoOnceAsync(second, 15);
            Assert.Equal(2, server.AcceptedCount);
        }

        await EchoOnceAsync(first, 16);
    });

    [NamespaceFact]
    public Task UnixSocketClients_AreNotLimited() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string name = $"ntb-front-{Environment.ProcessId}-{Guid.NewGuid():N}";
        var bridge = StartBridge(["--max-connections-per-source", "1", "-l", $"unix:@{name}", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);

        var first = Track(await ConnectUnixWhenReadyAsync(listenSide, new UnixDomainSocketEndPoint("\0" + name), bridge));
        var second = Track(await ConnectUnixWhenReadyAsync(listenSide, new UnixDomainSocketEndPoint("\0" + name), bridge));
        await EchoOnceAsync(first, 7);
        await EchoOnceAsync(second, 8);
        Assert.DoesNotContain("--max-connections-per-source", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>Behind a front proxy, clients count under the address its PROXY header announces, not the proxy's.</summary>
    [NamespaceFact]
    public Task WithAcceptProxy_TheAnnouncedAddressIsCounted() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["--accept-proxy", "--max-connections-per-source", "1", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        // All three come from 127.0.0.1; the first two announce the same client.
        var first = await ConnectAnnouncingAsync(listenSide, "203.0.113.7");
        await EchoOnceAsync(first, 9);
        var second = await ConnectAnnouncingAsync(listenSide, "203.0.113.7");
        var refused = await Assert.ThrowsAnyAsync<SocketException>(() => second.ReceiveToEndAsync().WaitAsync(StepTimeout));
        Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);
        var other = await ConnectAnnouncingAsync(listenSide, "203.0.113.8");
        await EchoOnceAsync(other, 10);
        await EchoOnceAsync(first, 11);
        Assert.Contains("warning: client 203.0.113.7 already has 1 connection(s) open", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>
    /// A connection that has not sent its PROXY header yet counts under its own address: silent
    /// connections cannot pile up past the limit by never saying whom they stand for.
    /// </summary>
    [NamespaceFact]
    public Task WithAcceptProxy_ConnectionsWaitingForTheirHeader_CountUnderTheirOwnAddress() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["--accept-proxy", "--max-connections-per-source", "1", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var silent = await ConnectAsync(listenSide, Loopback(8000));
        var refused = await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            var second = await ConnectAsync(listenSide, Loopback(8000));
            await second.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(SocketError.ConnectionReset, refused.SocketErrorCode);

        // The silent one, once it announces a client, moves to that client's count and is served.
        await silent.SendAllAsync(System.Text.Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.9 127.0.0.1 40000 8000\r\n"));
        await EchoOnceAsync(silent, 17);
        Assert.Equal(1, server.AcceptedCount);
    });

    private async Task<Socket> ConnectAnnouncingAsync(TestNamespace ns, string client)
    {
        var socket = await ConnectAsync(ns, Loopback(8000));
        await socket.SendAllAsync(System.Text.Encoding.ASCII.GetBytes($"PROXY TCP4 {client} 127.0.0.1 40000 8000\r\n"));
        return socket;
    }

    /// <summary>A client bound to <paramref name="source"/> first, connecting to <paramref name="bridgeAddress"/>:8000.</summary>
    private async Task<Socket> ConnectFromAsync(TestNamespace ns, string source, string bridgeAddress = "127.0.0.1")
    {
        var socket = Track(ns.CreateSocket(AddressFamily.InterNetwork));
        socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(bridgeAddress), 8000)).WaitAsync(StepTimeout);
        return socket;
    }

    private static string Describe(Socket socket) => ((IPEndPoint)socket.LocalEndPoint!).ToString();

    private static async Task EchoOnceAsync(Socket client, int seed)
    {
        byte[] ping = SocketIo.Payload(seed, 100);
        await client.SendAllAsync(ping);
        byte[] buffer = new byte[ping.Length];
        int read = 0;
        while (read < buffer.Length)
        {
            int count = await client.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(StepTimeout);
            Assert.True(count > 0, "ended early");
            read += count;
        }

        Assert.Equal(ping, buffer);
    }
}
