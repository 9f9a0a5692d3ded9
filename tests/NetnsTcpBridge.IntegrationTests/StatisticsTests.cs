using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>SIGUSR1 to the bridge writes its counters to the log, one line.</summary>
public sealed class StatisticsTests : IntegrationTest
{
    private const int SIGUSR1 = 10;

    public StatisticsTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task Sigusr1_LogsConnectionsBytesAndEndings() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        // One client while nothing listens in the connect netns (a failed connect), then two echoed.
        // The reset may even overtake the client's own connect completion.
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () =>
        {
            var refused = await ConnectAsync(listenSide, Loopback(8000));
            await refused.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        StartEchoServer(connectSide, Loopback(9000));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 51, length: 1000);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 52, length: 1000);

        string expected = "stats: active 0, total 3, bytes client->server 2000, server->client 2000, ended: FIN 2, reset 0, connect failed 1, aborted by the bridge 0, bad PROXY header 0";
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (!bridge.Stderr.Contains(expected, StringComparison.Ordinal))
        {
            // The last close may still be on its way; ask again until the counters show it.
            bridge.Signal(SIGUSR1);
            await Task.Delay(100, timeout.Token);
        }
    });
}
