using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Which network namespace each part uses: named by file, by inherited descriptor, or none.
/// The echo server exists only in the connect netns and the client only in the listen netns, so
/// an exchange succeeds only if each part really sits where it was told.
/// </summary>
public sealed class NamespaceSelectionTests : IntegrationTest
{
    private const string PlainNotice = "forwarding within the current network namespace";

    public NamespaceSelectionTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// Each part lives wholly in its namespace, every thread of it, as the original's do: so
    /// <c>ip netns identify PID</c> and <c>ip netns pids NAME</c> tell the truth, and the part
    /// facing a sandbox has no thread left in the namespace the bridge was started from.
    /// </summary>
    [NamespaceFact]
    public Task EveryThreadOfEachPart_IsInItsNamespace_AsIpNetnsSeesIt() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 81);

        // The listener moves in once set up (it replaces its image there): wait for that.
        var deadline = DateTime.UtcNow + StepTimeout;
        while (ProcFs.ReadLink($"/proc/{bridge.Pid}/ns/net") != listenSide.Identity && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        foreach (var (pid, side) in new[] { (bridge.Pid, listenSide), (connector, connectSide) })
        {
            var threads = Directory.GetDirectories($"/proc/{pid}/task");
            Assert.NotEmpty(threads);
            Assert.All(threads, task => Assert.Equal(side.Identity, ProcFs.ReadLink(Path.Combine(task, "ns/net"))));
            Assert.Equal(side.Name, (await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "identify", pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).Stdout.Trim());
            var listed = (await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "pids", side.Name)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Contains(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), listed);
        }

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 82);
    });

    [NamespaceFact]
    public Task NetnsFilesForBothSides_RelaysFromListenNetnsToServerInConnectNetns() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 1);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 2);
        Assert.False(listenSide.HasListener(9000), "the server must exist only in the connect netns");
        Assert.DoesNotContain(PlainNotice, bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task NetnsInheritedDescriptors_RelaysFromListenNetnsToServerInConnectNetns() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        using var listenNetns = OwnedFd.OpenReadOnly(listenSide.FilePath);
        using var connectNetns = OwnedFd.OpenReadOnly(connectSide.FilePath);

        var bridge = StartBridge(
            ["-l", "127.0.0.1:8000", "-F", "3", "-c", "127.0.0.1:9000", "-T", "4"],
            [new InheritedFd(listenNetns.Number, 3), new InheritedFd(connectNetns.Number, 4)]);
        listenNetns.Dispose();
        connectNetns.Dispose();
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 3);
        Assert.DoesNotContain(PlainNotice, bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task Ipv6LoopbackOnBothSides_RelaysBytes() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, LoopbackV6(9000));

        var bridge = StartBridge(["-l", "[::1]:8000", "-f", listenSide.FilePath, "-c", "[::1]:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, LoopbackV6(8000), seed: 4);
    });

    [NamespaceFact]
    public Task PlainMode_InsideOneNetns_RelaysBytesAndPrintsNotice() => WithTimeout(async () =>
    {
        var only = CreateNamespace();
        StartEchoServer(only, Loopback(9000));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000"], runInside: only);
        await only.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(only, Loopback(8000), seed: 5);
        Assert.Contains(PlainNotice, bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task ListenNetnsOnly_ConnectsFromTheNetnsTheBridgeRunsIn() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var home = CreateNamespace();
        StartEchoServer(home, Loopback(9000));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000"], runInside: home);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 6);
        Assert.False(home.HasListener(8000), "the bridge must listen in the listen netns, not where it runs");
    });

    [NamespaceFact]
    public Task ConnectNetnsOnly_ListensInTheNetnsTheBridgeRunsIn() => WithTimeout(async () =>
    {
        var home = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "-t", connectSide.FilePath], runInside: home);
        await home.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(home, Loopback(8000), seed: 7);
        Assert.False(connectSide.HasListener(8000), "the bridge must listen where it runs, not in the connect netns");
    });
}
