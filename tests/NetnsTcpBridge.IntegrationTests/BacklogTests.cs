using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>--backlog reaches listen(2): ss(8) shows a listening socket's backlog in its Send-Q column.</summary>
public sealed class BacklogTests : IntegrationTest
{
    public BacklogTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task Backlog_IsTheListenQueueLength() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var bridge = StartBridge(["--backlog", "7", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        Assert.Equal(7, await ListenBacklogAsync(listenSide, 8000));
    });

    [NamespaceFact]
    public Task WithoutBacklog_TheQueueIs4096_AsFarAsSomaxconnAllows() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var somaxconn = await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "exec", listenSide.Name, "cat", "/proc/sys/net/core/somaxconn");
        Assert.Equal(Math.Min(4096, int.Parse(somaxconn.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture)), await ListenBacklogAsync(listenSide, 8000));
    });

    // "LISTEN 0 7 127.0.0.1:8000 0.0.0.0:*": state, Recv-Q, Send-Q (the backlog for a listener), local, peer.
    private static async Task<int> ListenBacklogAsync(TestNamespace ns, int port)
    {
        var ss = await ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "exec", ns.Name, "ss", "-ltnH", $"sport = :{port}");
        Assert.True(ss.ExitCode == 0, ss.ToString());
        string[] fields = ss.Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(fields.Length >= 4 && fields[0] == "LISTEN", ss.ToString());
        return int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
