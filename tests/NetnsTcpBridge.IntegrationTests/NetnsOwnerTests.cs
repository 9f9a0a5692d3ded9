using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>--exit-with-netns-owner: the bridge stops, as on SIGTERM, when the process whose netns it was given exits.</summary>
public sealed class NetnsOwnerTests : IntegrationTest
{
    public NetnsOwnerTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task OwnerOfTheListenNetnsExits_OpenConnectionFinishes_ThenBothPartsExitZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var sleeper = await StartSleeperAsync(listenSide);
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", $"pid:{sleeper.Pid}", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--exit-with-netns-owner"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        var client = await ConnectAsync(listenSide, Loopback(8000));
        await client.AssertEchoedAsync(seed: 95, StepTimeout);

        Assert.Equal(0, Native.Kill(sleeper.Pid, Native.SIGKILL));

        // As on SIGTERM: no new clients, the open connection goes on until it closes.
        await WaitUntilNotListeningAsync(listenSide, 8000);
        await client.AssertEchoedAsync(seed: 96, StepTimeout);
        Assert.False(bridge.HasExited, $"the bridge must let the open connection finish: {bridge.Describe()}");
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync().WaitAsync(StepTimeout));
        client.Dispose();

        Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
        Assert.True(await ProcFs.WaitUntilEndedAsync(connector, StepTimeout), $"the connector (pid {connector}) outlived the listener");
        Assert.Contains($"process {sleeper.Pid} (whose netns is the listen netns) has exited", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task OwnerOfTheConnectNetnsGivenByProcPath_Exits_BridgeExitsZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var sleeper = await StartSleeperAsync(connectSide);
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", $"/proc/{sleeper.Pid}/ns/net",
            "--exit-with-netns-owner"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 97);

        Assert.Equal(0, Native.Kill(sleeper.Pid, Native.SIGTERM));

        Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
        Assert.True(await ProcFs.WaitUntilEndedAsync(connector, StepTimeout), $"the connector (pid {connector}) outlived the listener");
    });

    [NamespaceFact]
    public Task WithoutTheOption_OwnerExits_BridgeGoesOnRelaying() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var sleeper = await StartSleeperAsync(listenSide);
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", $"pid:{sleeper.Pid}", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        Assert.Equal(0, Native.Kill(sleeper.Pid, Native.SIGKILL));
        Assert.True(await ProcFs.WaitUntilEndedAsync(sleeper.Pid, StepTimeout), "the sleeper did not end");

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 98);
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    [NamespaceFact]
    public Task WithANetnsNamedByName_IsRefusedWithExitTwo() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();

        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000",
            "--exit-with-netns-owner"]);

        Assert.True(status == new ExitStatus(2, 0), bridge.Describe());
        string line = Assert.Single(bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("--exit-with-netns-owner follows the process whose netns was named by PID", line, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task OwnerAlreadyGone_ExitsOneNamingThePid() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var sleeper = await StartSleeperAsync(listenSide);
        int pid = sleeper.Pid;
        Assert.Equal(0, Native.Kill(pid, Native.SIGKILL));
        await sleeper.WaitForExitAsync(StepTimeout); // reaped: the PID names nothing now

        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", $"pid:{pid}", "-c", "127.0.0.1:9000",
            "--exit-with-netns-owner"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        Assert.Contains($"no process with pid {pid}", bridge.Stderr, StringComparison.Ordinal);
    });

    private static async Task WaitUntilNotListeningAsync(TestNamespace ns, int port)
    {
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (ns.HasListener(port))
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
