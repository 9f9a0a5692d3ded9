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

        string expected = "stats: active 0, total 3, bytes client->server 2000, server->client 2000, ended: FIN both ways 2, reset by client 0, reset by server 0, "
            + "connect refused 1, connect failed 0, connect timeout 0, idle timeout 0, reset at end of drain 0, refused by per-source limit 0, reset on stop 0, internal error 0, bad PROXY header 0, refused untrusted proxy 0";
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (!bridge.Stderr.Contains(expected, StringComparison.Ordinal))
        {
            // The last close may still be on its way; ask again until the counters show it.
            bridge.Signal(SIGUSR1);
            await Task.Delay(100, timeout.Token);
        }
    });

    [NamespaceFact]
    public Task Sigusr1_WithJsonLogs_GivesTheCountersAsKeys() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["--log-format", "json", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 53, length: 1000);

        using var timeout = new CancellationTokenSource(StepTimeout);
        System.Text.Json.JsonElement stats;
        while (true)
        {
            bridge.Signal(SIGUSR1);
            await Task.Delay(100, timeout.Token);
            var line = LogLines.Split(bridge.Stderr).LastOrDefault(l => l.Contains("\"event\":\"stats\"", StringComparison.Ordinal));
            if (line is not null)
            {
                using var document = LogLines.ParseJson(line);
                stats = document.RootElement.Clone();
                if (stats.GetProperty("total").GetInt64() == 1)
                {
                    break;
                }
            }
        }

        Assert.Equal("connector", stats.GetProperty("part").GetString());
        Assert.Equal(0, stats.GetProperty("active").GetInt64());
        Assert.Equal(1000, stats.GetProperty("bytes_client_to_server").GetInt64());
        Assert.Equal(1000, stats.GetProperty("bytes_server_to_client").GetInt64());
        Assert.Equal(1, stats.GetProperty("ended_fin_both_ways").GetInt64());
        Assert.Equal(0, stats.GetProperty("ended_idle_timeout").GetInt64());
        Assert.StartsWith("stats: active 0, total 1,", stats.GetProperty("message").GetString(), StringComparison.Ordinal);
    });
}
