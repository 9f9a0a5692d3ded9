using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Several forwards in one bridge (--config, --rule): each rule listens in its own namespace and
/// connects from its own, one connector serves each connect namespace, and every per-connection
/// log line names the rule.
/// </summary>
public sealed class MultiRuleTests : IntegrationTest
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ntb-rules-").FullName;

    public MultiRuleTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task ConfigFile_ThreeRulesInThreeNamespaces_EachRelaysToItsOwnServer_ThreeConnectors() => WithTimeout(async () =>
    {
        var a = CreateNamespace();
        var b = CreateNamespace();
        var c = CreateNamespace();

        // A ring: each rule listens in one namespace and connects from the next. Two servers
        // answer with their own greeting, so a client reached the right one; the third echoes.
        StartGreeter(b, 9001, "b-server");
        StartGreeter(c, 9002, "c-server");
        StartEchoServer(a, Loopback(9003));
        string config = WriteConfig(
            "# a ring of three forwards",
            "[web]",
            "listen = 127.0.0.1:8001",
            $"listen-netns = {a.Name}",
            "connect = 127.0.0.1:9001",
            $"connect-netns = {b.Name}",
            "",
            "[db]",
            "listen = 127.0.0.1:8002",
            $"listen-netns = {b.Name}",
            "connect = 127.0.0.1:9002",
            $"connect-netns = {c.FilePath}",
            "",
            "[cache]",
            "listen = 127.0.0.1:8003",
            $"listen-netns = {c.Name}",
            "connect = 127.0.0.1:9003",
            $"connect-netns = {a.Name}");

        var bridge = StartBridge(["--config", config, "-v"]);
        await a.WaitForListenerAsync(8001, bridge);
        await b.WaitForListenerAsync(8002, bridge);
        await c.WaitForListenerAsync(8003, bridge);

        Assert.Equal("b-server", await ReadGreetingAsync(a, 8001));
        Assert.Equal("c-server", await ReadGreetingAsync(b, 8002));
        await AssertEchoesAsync(c, Loopback(8003), seed: 61);

        Assert.Equal(3, ProcFs.Children(bridge.Pid).Count);
        await WaitForLogAsync(bridge, "[web] ", "[db] ", "[cache] ");
    });

    [NamespaceFact]
    public Task TwoRulesConnectingFromOneNamespace_ShareOneConnector() => WithTimeout(async () =>
    {
        var front = CreateNamespace();
        var back = CreateNamespace();
        StartGreeter(back, 9001, "first");
        StartGreeter(back, 9002, "second");

        // The same namespace named two ways: by name and by path.
        var bridge = StartBridge([
            "--rule", $"name=one,listen=127.0.0.1:8001,listen-netns={front.Name},connect=127.0.0.1:9001,connect-netns={back.Name}",
            "--rule", $"name=two,listen=127.0.0.1:8002,listen-netns={front.Name},connect=127.0.0.1:9002,connect-netns={back.FilePath}",
            "-v",
        ]);
        await front.WaitForListenerAsync(8001, bridge);
        await front.WaitForListenerAsync(8002, bridge);

        Assert.Equal("first", await ReadGreetingAsync(front, 8001));
        Assert.Equal("second", await ReadGreetingAsync(front, 8002));
        Assert.Single(ProcFs.Children(bridge.Pid));
        await WaitForLogAsync(bridge, "netns_tcp_bridge[connector one,two]: [one] ", "netns_tcp_bridge[connector one,two]: [two] ");
    });

    [NamespaceFact]
    public Task ARuleThatCannotStart_StopsTheBridge_NamingWhatFailed_AndLeavesNothingRunning() => WithTimeout(async () =>
    {
        var ns = CreateNamespace();
        string absent = $"ntb-absent-{Environment.ProcessId}";

        var (status, bridge) = await RunBridgeToEndAsync([
            "--rule", $"name=good,listen=127.0.0.1:8001,listen-netns={ns.Name},connect=127.0.0.1:9001",
            "--rule", $"name=bad,listen=127.0.0.1:8002,listen-netns={ns.Name},connect=127.0.0.1:9002,connect-netns={absent}",
        ]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        Assert.Contains($"rule 'bad': no network namespace named '{absent}'", bridge.Stderr, StringComparison.Ordinal);
        Assert.Single(bridge.Stderr.Trim().Split('\n'));
        Assert.False(ns.HasListener(8001), "the good rule's socket must be gone with the bridge");
    });

    [NamespaceFact]
    public Task ConfigFileError_ExitsTwo_WithFileAndLine() => WithTimeout(async () =>
    {
        string config = WriteConfig("[web]", "listen = 127.0.0.1:8001", "connect = 127.0.0.1:9001", "listen-netns = ");

        var (status, bridge) = await RunBridgeToEndAsync(["--config", config]);

        Assert.True(status == new ExitStatus(2, 0), bridge.Describe());
        Assert.Contains($"{config}:4: key listen-netns", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceTheory]
    [InlineData("no", false)]
    [InlineData("yes", true)]
    public Task DualStack_DecidesWhetherAnIpv6ListenerTakesIpv4Clients(string dualStack, bool ipv4Relayed) => WithTimeout(async () =>
    {
        var front = CreateNamespace();
        var back = CreateNamespace();
        StartGreeter(back, 9001, "greeting");
        var bridge = StartBridge(["-l", "[::]:8001", "--listen-netns", front.Name, "-c", "127.0.0.1:9001", "--connect-netns", back.Name, "--dual-stack", dualStack]);
        await front.WaitForListenerAsync(8001, bridge);

        Assert.Equal("greeting", await ReadGreetingAsync(front, 8001, ipv6: true));
        if (ipv4Relayed)
        {
            Assert.Equal("greeting", await ReadGreetingAsync(front, 8001));
        }
        else
        {
            var refused = await Assert.ThrowsAsync<SocketException>(() => front.ConnectAsync(Loopback(8001)));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    });

    /// <summary>
    /// Each connector accepts on its own rules' listening sockets: a rule whose connector is full
    /// (--max-connections) leaves its new clients in its own queue, and another rule's clients are
    /// still served at once; a stop signal still drains and ends the bridge.
    /// </summary>
    [NamespaceFact]
    public Task OneRulesConnectorFull_AnotherRulesClientsAreStillServed_AndAStopStillDrains() => WithTimeout(async () =>
    {
        var front = CreateNamespace();
        var heldSide = CreateNamespace();
        var freeSide = CreateNamespace();
        StartEchoServer(heldSide, Loopback(9001));
        StartGreeter(freeSide, 9002, "free-server");
        var bridge = StartBridge([
            "--rule", $"name=held,listen=127.0.0.1:8001,listen-netns={front.Name},connect=127.0.0.1:9001,connect-netns={heldSide.Name}",
            "--rule", $"name=free,listen=127.0.0.1:8002,listen-netns={front.Name},connect=127.0.0.1:9002,connect-netns={freeSide.Name}",
            "--max-connections", "1", "--drain-timeout", "1",
        ]);
        await front.WaitForListenerAsync(8001, bridge);
        await front.WaitForListenerAsync(8002, bridge);

        // The held rule's one connection stays open; hundreds more of its clients wait, more than
        // a hand-over channel between the parts could buffer.
        var held = await ConnectAsync(front, Loopback(8001));
        byte[] ping = [1, 2, 3];
        await held.SendAsync(ping);
        Assert.Equal(ping.Length, await held.ReceiveAsync(new byte[16]).WaitAsync(StepTimeout));
        for (int i = 0; i < 400; i++)
        {
            await ConnectAsync(front, Loopback(8001));
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("free-server", await ReadGreetingAsync(front, 8002).WaitAsync(StepTimeout));
        }

        bridge.Signal(Native.SIGTERM);
        var status = await bridge.WaitForExitAsync(StepTimeout);
        Assert.True(status == new ExitStatus(0, 0), $"expected a clean stop, got {status}: {bridge.Describe()}");
    });

    private void StartGreeter(TestNamespace ns, int port, string greeting) =>
        StartServer(ns, Loopback(port), async socket =>
        {
            await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(greeting + "\n"));
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            while (await socket.ReceiveAsync(sink) > 0)
            {
                // Reads until the client closes, so that the client sees a clean end.
            }
        });

    private static async Task<string> ReadGreetingAsync(TestNamespace ns, int port, bool ipv6 = false)
    {
        var endpoint = new System.Net.IPEndPoint(ipv6 ? System.Net.IPAddress.IPv6Loopback : System.Net.IPAddress.Loopback, port);
        using var socket = await ns.ConnectAsync(endpoint);
        var received = new List<byte>();
        var buffer = new byte[256];
        int read;
        while ((read = await socket.ReceiveAsync(buffer)) > 0)
        {
            received.AddRange(buffer.AsSpan(0, read).ToArray());
        }

        return System.Text.Encoding.ASCII.GetString([.. received]).TrimEnd('\n');
    }

    private static async Task WaitForLogAsync(BridgeProcess bridge, params string[] fragments)
    {
        for (int i = 0; i < 100 && !fragments.All(f => bridge.Stderr.Contains(f, StringComparison.Ordinal)); i++)
        {
            await Task.Delay(50);
        }

        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, bridge.Stderr, StringComparison.Ordinal);
        }
    }

    private string WriteConfig(params string[] lines)
    {
        string path = Path.Combine(_directory, $"{Guid.NewGuid():N}.conf");
        File.WriteAllLines(path, lines);
        return path;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Directory.Delete(_directory, recursive: true);
        }

        base.Dispose(disposing);
    }
}
