using System.Globalization;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --metrics: the counters in OpenMetrics text over HTTP, in the namespace chosen with
/// --metrics-netns, scraped with curl from inside that namespace.
/// </summary>
public sealed class MetricsEndpointTests : IntegrationTest
{
    private const int MetricsPort = 9464;
    private const string ContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    public MetricsEndpointTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task InTheListenNetns_CountersMoveExactlyWithWhatWasRelayed() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "listen"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await listenSide.WaitForListenerAsync(MetricsPort, bridge);
        Assert.False(connectSide.HasListener(MetricsPort), "the metrics endpoint must listen in the listen netns only");

        var before = await ScrapeAsync(listenSide, bridge);
        Assert.All(before, sample => Assert.Equal(0, sample.Value));
        Assert.Equal(5 + ReasonNames.Length + UdpSamples, before.Count);
        Assert.All(ReasonNames, name => Assert.Contains(EndedSample(name), before)); // every reason present even at 0

        // One client while nothing listens in the connect netns (a failed connect), then two echoed.
        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            var refused = await ConnectAsync(listenSide, Loopback(8000));
            await refused.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        StartEchoServer(connectSide, Loopback(9000));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 81, length: 1000);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 82, length: 3000);

        var after = await ScrapeUntilAsync(listenSide, bridge, s => s["netns_tcp_bridge_connections_active"] == 0 && Ended(s) == 3);
        Assert.Equal(3, after["netns_tcp_bridge_connections_total"]);
        AssertEndings(after, ("fin_both_ways", 2), ("connect_refused", 1));
        Assert.Equal(4000, after["netns_tcp_bridge_bytes_total{direction=\"client_to_server\"}"]);
        Assert.Equal(4000, after["netns_tcp_bridge_bytes_total{direction=\"server_to_client\"}"]);
        Assert.Equal(1, after["netns_tcp_bridge_connect_failures_total"]);
    });

    /// <summary>
    /// By default the endpoint listens where the bridge was started, the operator's namespace,
    /// not the listen side's, which may be a sandbox.
    /// </summary>
    [NamespaceFact]
    public Task ByDefault_ServedInTheNamespaceTheBridgeWasStartedIn_NotTheListenOrConnectNetns() => WithTimeout(async () =>
    {
        var startSide = CreateNamespace();
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--metrics", $"127.0.0.1:{MetricsPort}"], spawnIn: startSide);
        await startSide.WaitForListenerAsync(MetricsPort, bridge);
        await listenSide.WaitForListenerAsync(8000, bridge);
        Assert.False(listenSide.HasListener(MetricsPort), "the metrics endpoint must not listen in the listen netns by default");
        Assert.False(connectSide.HasListener(MetricsPort), "the metrics endpoint must not listen in the connect netns by default");

        var samples = await ScrapeAsync(startSide, bridge);
        Assert.Equal(0, samples["netns_tcp_bridge_connections_total"]);
    });

    /// <summary>
    /// A crowd of scrapers that connect and never send (a sandbox blinding its monitoring) does
    /// not keep a well-behaved one from its answer: served one at a time, 5 s each, curl would have
    /// waited over an hour behind them; curl gives up after 12 s.
    /// </summary>
    [NamespaceFact]
    public Task ThousandSilentScrapers_CurlIsStillAnswered() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "listen"]);
        await listenSide.WaitForListenerAsync(MetricsPort, bridge);

        var silent = new List<Socket>();
        for (int i = 0; i < 1000; i++)
        {
            silent.Add(await ConnectAsync(listenSide, Loopback(MetricsPort)));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var samples = await ScrapeAsync(listenSide, bridge);
        Output.WriteLine($"curl answered in {watch.Elapsed.TotalMilliseconds:F0} ms with {silent.Count} silent scrapers connected");
        Assert.Equal(0, samples["netns_tcp_bridge_connections_active"]);
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    [NamespaceFact]
    public Task InTheConnectNetns_ServedThereOnly_AndCountsARelayedConnection() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath,
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "connect"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await connectSide.WaitForListenerAsync(MetricsPort, bridge);

        var fromListenSide = await CurlAsync(listenSide);
        Assert.True(fromListenSide.ExitCode == 7, $"nothing serves metrics in the listen netns, so curl cannot connect there (exit 7): {fromListenSide}");
        Assert.Equal(0, (await ScrapeAsync(connectSide, bridge))["netns_tcp_bridge_connections_total"]);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 83, length: 5000);

        var after = await ScrapeUntilAsync(connectSide, bridge, s => Ended(s) == 1);
        Assert.Equal(1, after["netns_tcp_bridge_connections_total"]);
        AssertEndings(after, ("fin_both_ways", 1));
        Assert.Equal(5000, after["netns_tcp_bridge_bytes_total{direction=\"client_to_server\"}"]);
        Assert.Equal(5000, after["netns_tcp_bridge_bytes_total{direction=\"server_to_client\"}"]);
        Assert.Equal(0, after["netns_tcp_bridge_connect_failures_total"]);
    });

    [NamespaceFact]
    public Task WithTwoRulesInTwoConnectNetns_TheCountersOfBothConnectorsAddUp_ReasonByReason() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectA = CreateNamespace();
        var connectB = CreateNamespace();
        StartEchoServer(connectA, Loopback(9000));
        StartEchoServer(connectB, Loopback(9000));

        // In B only: a server that resets each client on its first byte (connect netns B, port
        // 9001). Resetting at accept instead races with the bridge's connect, which then may fail
        // with ECONNRESET (connect_failed) rather than relay and see the reset (reset_by_server).
        StartServer(connectB, Loopback(9001), async socket =>
        {
            await socket.ReceiveAsync(new byte[1]);
            socket.Reset();
        });
        var bridge = StartBridge([
            "--rule", $"name=a,listen=127.0.0.1:8001,listen-netns={listenSide.Name},connect=127.0.0.1:9000,connect-netns={connectA.Name}",
            "--rule", $"name=b,listen=127.0.0.1:8002,listen-netns={listenSide.Name},connect=127.0.0.1:9000,connect-netns={connectB.Name}",
            "--rule", $"name=refused,listen=127.0.0.1:8003,listen-netns={listenSide.Name},connect=127.0.0.1:9009,connect-netns={connectA.Name}",
            "--rule", $"name=resets,listen=127.0.0.1:8004,listen-netns={listenSide.Name},connect=127.0.0.1:9001,connect-netns={connectB.Name}",
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "listen"]);
        foreach (int port in new[] { 8001, 8002, 8003, 8004, MetricsPort })
        {
            await listenSide.WaitForListenerAsync(port, bridge);
        }

        Assert.Equal(0, (await ScrapeAsync(listenSide, bridge))["netns_tcp_bridge_connections_total"]);

        await AssertEchoesAsync(listenSide, Loopback(8001), seed: 85, length: 1000);
        await AssertEchoesAsync(listenSide, Loopback(8002), seed: 86, length: 2000);
        await AssertEchoesAsync(listenSide, Loopback(8002), seed: 87, length: 4000);
        await AssertResetAsync(listenSide, Loopback(8003)); // connector A: nothing listens on 9009
        await AssertResetAsync(listenSide, Loopback(8004), sendFirst: true); // connector B: the server resets
        await AssertResetAsync(listenSide, Loopback(8004), sendFirst: true);

        Assert.Equal(2, ProcFs.Children(bridge.Pid).Count); // one connector per connect netns
        var after = await ScrapeUntilAsync(listenSide, bridge, s => Ended(s) == 6);
        Assert.Equal(6, after["netns_tcp_bridge_connections_total"]);
        AssertEndings(after, ("fin_both_ways", 3), ("connect_refused", 1), ("reset_by_server", 2));
        Assert.Equal(7000 + 2, after["netns_tcp_bridge_bytes_total{direction=\"client_to_server\"}"]); // + the byte of each reset client
        Assert.Equal(7000, after["netns_tcp_bridge_bytes_total{direction=\"server_to_client\"}"]);
        Assert.Equal(1, after["netns_tcp_bridge_connect_failures_total"]);
    });

    [NamespaceFact]
    public Task SilentScraper_DoesNotStopRelaying_NorLaterScrapes_AndIsDropped() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "listen"]);
        await listenSide.WaitForListenerAsync(MetricsPort, bridge);

        // Connected and silent: it holds the metrics thread until its deadline, never the relay.
        var silent = await ConnectAsync(listenSide, Loopback(MetricsPort));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 84, length: 20_000);

        var counters = await ScrapeUntilAsync(listenSide, bridge, s => Ended(s) == 1);
        Assert.Equal(20_000, counters["netns_tcp_bridge_bytes_total{direction=\"server_to_client\"}"]);
        Assert.Empty(await silent.ReceiveToEndAsync().WaitAsync(StepTimeout)); // dropped without an answer
        Assert.False(bridge.HasExited, bridge.Describe());
    }, TimeSpan.FromSeconds(60));

    [NamespaceFact]
    public Task Metrics_OnAnAddressInUse_ExitsOneNamingTheMetricsEndpoint() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        Track(listenSide.Listen(Loopback(MetricsPort)));

        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000",
            "--metrics", $"127.0.0.1:{MetricsPort}", "--metrics-netns", "listen"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        string line = Assert.Single(bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"metrics endpoint (--metrics): cannot listen on 127.0.0.1:{MetricsPort}", line, StringComparison.Ordinal);
        Assert.Contains("Address already in use", line, StringComparison.Ordinal);
    });

    /// <summary>The documented label values of connections_ended_total (man page, METRICS), one per close reason.</summary>
    /// <summary>The UDP families' samples, present at 0 without a UDP forward: flows active and total, 4 endings, datagrams and bytes each way, 5 drop reasons.</summary>
    private const int UdpSamples = 2 + 4 + 4 + 5;

    private static readonly string[] ReasonNames =
    [
        "fin_both_ways", "reset_by_client", "reset_by_server", "connect_refused", "connect_failed", "connect_timeout", "idle_timeout",
        "reset_at_end_of_drain", "refused_by_per_source_limit", "reset_on_stop", "internal_error", "bad_proxy_header", "refused_untrusted_proxy",
    ];

    private static string EndedSample(string reason) => $"netns_tcp_bridge_connections_ended_total{{reason=\"{reason}\"}}";

    /// <summary>Every reason's sample is there, the named ones with their counts, every other one at 0.</summary>
    private static void AssertEndings(IReadOnlyDictionary<string, long> samples, params (string Reason, long Count)[] expected)
    {
        var wanted = ReasonNames.ToDictionary(name => name, _ => 0L);
        foreach (var (reason, count) in expected)
        {
            Assert.True(wanted.ContainsKey(reason), $"not a documented reason: {reason}");
            wanted[reason] = count;
        }

        var actual = ReasonNames.ToDictionary(name => name, name => samples.TryGetValue(EndedSample(name), out long value) ? value : -1);
        Assert.Equal(wanted, actual);
    }

    /// <summary>
    /// A client the bridge accepts and then resets (its target refused or reset): it sees
    /// ECONNRESET, never a clean end. On loopback the reset may come before the client's connect
    /// has reported success, so either step may be the one that fails.
    /// </summary>
    private async Task AssertResetAsync(TestNamespace ns, System.Net.IPEndPoint endpoint, bool sendFirst = false)
    {
        var error = await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            var client = await ConnectAsync(ns, endpoint);
            if (sendFirst)
            {
                await client.SendAsync("x"u8.ToArray());
            }

            await client.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
    }

    private static long Ended(IReadOnlyDictionary<string, long> samples) =>
        samples.Where(s => s.Key.StartsWith("netns_tcp_bridge_connections_ended_total", StringComparison.Ordinal)).Sum(s => s.Value);

    private static Task<ProcessResult> CurlAsync(TestNamespace ns) =>
        ExternalProcess.RunAsync(StepTimeout, "ip", "netns", "exec", ns.Name,
            "curl", "--silent", "--show-error", "--noproxy", "*", "--max-time", "12", "--include", $"http://127.0.0.1:{MetricsPort}/metrics");

    /// <summary>Scrapes until <paramref name="done"/> holds: a connection's counts arrive when it has closed, a moment after the client saw it end.</summary>
    private static async Task<IReadOnlyDictionary<string, long>> ScrapeUntilAsync(TestNamespace ns, BridgeProcess bridge, Func<IReadOnlyDictionary<string, long>, bool> done)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (true)
        {
            var samples = await ScrapeAsync(ns, bridge);
            if (done(samples))
            {
                return samples;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the counters did not settle: {string.Join(", ", samples.Select(s => $"{s.Key} {s.Value}"))}");
            await Task.Delay(100);
        }
    }

    /// <summary>One scrape with curl from inside <paramref name="ns"/>: checks the answer's form and returns its samples.</summary>
    private static async Task<IReadOnlyDictionary<string, long>> ScrapeAsync(TestNamespace ns, BridgeProcess bridge)
    {
        var curl = await CurlAsync(ns);
        Assert.True(curl.ExitCode == 0, $"{curl}; bridge: {bridge.Describe()}");
        int split = curl.Stdout.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no HTTP head in: {curl.Stdout}");
        string[] head = curl.Stdout[..split].Split("\r\n");
        string body = curl.Stdout[(split + 4)..];
        Assert.Equal("HTTP/1.1 200 OK", head[0]);
        Assert.Contains($"Content-Type: {ContentType}", head);
        Assert.EndsWith("\n# EOF\n", body, StringComparison.Ordinal);

        var samples = new Dictionary<string, long>();
        foreach (string line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            int space = line.LastIndexOf(' ');
            samples.Add(line[..space], long.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }

        return samples;
    }
}
