using System.Diagnostics;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>A burst of connects far larger than the listen queue and the connection limit.</summary>
public sealed class ConnectBurstTests : ReliabilityTest
{
    public ConnectBurstTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// 20,000 clients connect as fast as the test can make them (up to 12,000 open at once: the
    /// test process's own descriptor limit), each echoes 64 bytes and closes, against --backlog
    /// 1024 and --max-connections 1000. The bridge holds at most 1,000 connections (its descriptors
    /// say so), the rest wait in the listen queue or retry their SYN; an echo connection opened
    /// before the burst keeps working; afterwards the descriptors are back. Every client is either
    /// served or reset, never left hanging, and the bridge itself resets none: the resets come
    /// from the kernel, which, while the accept queue stays full, gives up on handshakes whose
    /// last ACK it dropped (it cuts the SYN-ACK retries to 2 under load) and answers the client's
    /// data with a reset.
    /// </summary>
    [ReliabilityFact]
    public Task ConnectBurst_FarBeyondBacklogAndLimit_HeldWithinTheLimitNoClientLeftHanging() => WithTimeout(TimeSpan.FromMinutes(5), async () =>
    {
        var figures = new Figures(Output, "bounds: connect burst");
        int burst = Profile.Setting("NTB_CONNECT_BURST", 20_000, 5_000);
        const int Limit = 1000;
        var relay = await StartRelayAsync(["--backlog", "1024", "--max-connections", $"{Limit}"]);
        StartEchoServer(relay.ConnectSide, Relay.Target);
        await WarmUpAsync(relay);
        var baseline = await BaselineAsync(relay);

        using var probe = await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
        var probeLatencies = new List<double>();
        using var stopProbe = new CancellationTokenSource();
        var probing = Task.Run(async () =>
        {
            byte[] payload = Pattern.Bytes(9, 0, 64);
            byte[] back = new byte[64];
            while (!stopProbe.IsCancellationRequested)
            {
                var one = Stopwatch.StartNew();
                await probe.SendAllAsync(payload);
                Assert.True(await probe.ReceiveExactlyAsync(back).WaitAsync(StepTimeout), "the echo connection opened before the burst ended");
                Assert.True(back.AsSpan().SequenceEqual(payload), "the echo connection opened before the burst got other bytes");
                probeLatencies.Add(one.Elapsed.TotalMilliseconds);
                await Task.Delay(20);
            }
        });

        using var supply = new SocketSupply(relay.ListenSide);
        using var open = new SemaphoreSlim(12_000);
        var peak = relay.Sample();
        var clock = Stopwatch.StartNew();
        var connectTimes = new double[burst];
        var sampling = Task.Run(async () =>
        {
            while (clock.IsRunning)
            {
                var sample = relay.Sample();
                if (sample.ConnectorFds > peak.ConnectorFds)
                {
                    peak = sample;
                }

                await Task.Delay(200);
            }
        });

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clients = new Task[burst];
        for (int i = 0; i < burst; i++)
        {
            await open.WaitAsync();
            var socket = supply.Next();
            int index = i;
            clients[i] = Task.Run(async () =>
            {
                string phase = "connect";
                try
                {
                    var started = Stopwatch.StartNew();
                    await socket.ConnectAsync(Relay.Entry).WaitAsync(TimeSpan.FromSeconds(120));
                    phase = $"echo after {started.Elapsed.TotalSeconds:0.00} s";
                    byte[] payload = Pattern.Bytes((ulong)index, 0, 64);
                    byte[] back = await socket.EchoRoundTripAsync(payload).WaitAsync(TimeSpan.FromSeconds(120));
                    connectTimes[index] = started.Elapsed.TotalSeconds;
                    Assert.True(back.AsSpan().SequenceEqual(payload), $"client {index}: the echo differs");
                }
                catch (SocketException e)
                {
                    failures.Add($"{phase}: {e.SocketErrorCode}");
                }
                finally
                {
                    socket.Dispose();
                    open.Release();
                }
            });
        }

        await Task.WhenAll(clients);
        var elapsed = clock.Elapsed;
        clock.Stop();
        await sampling;
        stopProbe.Cancel();
        await probing;
        probe.Dispose();
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, $"after a burst of {burst} connects");

        var failed = failures.GroupBy(f => f.StartsWith("echo", StringComparison.Ordinal) ? "echo: " + f[(f.IndexOf(':', StringComparison.Ordinal) + 2)..] : f)
            .Select(g => $"{g.Count()} {g.Key}").ToList();
        figures.Add("failed", failures.IsEmpty ? "none" : string.Join("; ", failed) + $"; e.g. {failures.First()}");
        var sorted = connectTimes.Order().ToArray();
        var latencies = probeLatencies.Order().ToArray();
        figures.Add("offered", $"{burst} clients (up to 12,000 open at once), each echoing 64 bytes, against --backlog 1024 --max-connections {Limit}");
        figures.Add("served", $"{burst - failures.Count} of {burst} in {Figures.Seconds(elapsed)} ({burst / elapsed.TotalSeconds:0} connections/s); time per client median {sorted[burst / 2]:0.00} s, p99 {sorted[burst * 99 / 100]:0.00} s, max {sorted[^1]:0.00} s (SYNs dropped by the full queue are retried after 1, 3, 7 s)");
        figures.Add("held at most", $"connector {peak.ConnectorFds} descriptors ({peak.ConnectorPipeFds} pipe ends) at the peak, baseline {baseline.ConnectorFds}; PSS {Figures.Mib(baseline.PssKiB)} -> {Figures.Mib(peak.PssKiB)} -> {Figures.Mib(after.PssKiB)}");
        figures.Add("echo opened before", latencies.Length == 0 ? "no round trip" : $"{latencies.Length} round trips during the burst, median {latencies[latencies.Length / 2]:0.00} ms, max {latencies[^1]:0.00} ms");

        string stats = await StatsLineAsync(relay);
        figures.Add("bridge's own count", stats[(stats.IndexOf("total", StringComparison.Ordinal))..]);
        Assert.True(failures.All(f => f.EndsWith(": ConnectionReset", StringComparison.Ordinal)), $"clients failed otherwise than by a reset: {string.Join("; ", failed)}");
        long total = Count(stats, "total ");
        Assert.True(total == Count(stats, "FIN both ways "), $"the bridge ended some connections otherwise than cleanly: {stats}");
        Assert.True(total == burst - failures.Count + 33, $"the bridge relayed {total} connections: {burst - failures.Count} served, 32 of the warm-up and the probe expected");

        // Two descriptors per relayed connection, the limit counting the probe too; the pipes
        // are bounded by the pools.
        Assert.True(peak.ConnectorOtherFds <= baseline.ConnectorOtherFds + (2 * Limit) + 2,
            $"the connector held {peak.ConnectorOtherFds} descriptors other than pipes at the peak; --max-connections {Limit} allows two per connection");
    });

    /// <summary>The bridge's counters (SIGUSR1), once they have been written to its stderr.</summary>
    private static async Task<string> StatsLineAsync(Relay relay)
    {
        relay.Bridge.Signal(Native.SIGUSR1);
        var deadline = DateTime.UtcNow + StepTimeout;
        while (true)
        {
            string? line = relay.Bridge.Stderr.Split('\n').LastOrDefault(l => l.Contains("stats: ", StringComparison.Ordinal));
            if (line is not null)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no stats line after SIGUSR1: {relay.Bridge.Describe()}");
            await Task.Delay(100);
        }
    }

    private static long Count(string stats, string name)
    {
        int start = stats.IndexOf(name, StringComparison.Ordinal) + name.Length;
        int end = start;
        while (end < stats.Length && char.IsAsciiDigit(stats[end]))
        {
            end++;
        }

        return long.Parse(stats.AsSpan(start, end - start), System.Globalization.CultureInfo.InvariantCulture);
    }
}
