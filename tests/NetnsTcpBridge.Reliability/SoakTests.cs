using System.Diagnostics;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>A mixed soak: bulk transfers, request/response and connect/close churn at once, every byte checked.</summary>
public sealed class SoakTests : ReliabilityTest
{
    private const int BulkLanes = 2;
    private const long BulkStreamBytes = 64L * 1024 * 1024;
    private const int RequestLanes = 16;
    private const int ChurnLanes = 4;

    public SoakTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// For 5 minutes (45 s in CI): 2 lanes of 64 MiB echo streams, 16 persistent connections
    /// sending requests of 1 byte to 32 KiB and reading each echo, and 4 lanes opening and closing
    /// short connections (one in three sends nothing). Every byte that comes back is compared
    /// with what was sent; no connection may fail; the bridge's descriptors come back to where
    /// they were and its memory stays bounded.
    /// </summary>
    [ReliabilityFact]
    public Task MixedSoak_BulkRequestResponseAndChurn_EveryByteChecked() => WithTimeout(TimeSpan.FromMinutes(8), async () =>
    {
        var figures = new Figures(Output, "load: mixed soak");
        var duration = TimeSpan.FromSeconds(Profile.Setting("NTB_SOAK_SECONDS", 300, 45));
        var relay = await StartRelayAsync();
        StartEchoServer(relay.ConnectSide, Relay.Target);
        using var supply = new SocketSupply(relay.ListenSide);
        await WarmUpAsync(relay);
        var baseline = await BaselineAsync(relay);
        Output.WriteLine($"baseline: {baseline}");

        var clock = Stopwatch.StartNew();
        bool Running() => clock.Elapsed < duration;
        long bulkBytes = 0, bulkStreams = 0, requests = 0, requestBytes = 0, churned = 0;

        async Task<Socket> ConnectAsync()
        {
            var socket = supply.Next();
            await socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
            return socket;
        }

        async Task BulkLaneAsync(int lane)
        {
            for (int round = 0; Running(); round++)
            {
                using var socket = await ConnectAsync();
                ulong key = ((ulong)lane << 32) | (uint)round;
                long verified = await Pattern.EchoAndVerifyAsync(socket, key, BulkStreamBytes).WaitAsync(TimeSpan.FromMinutes(2));
                Interlocked.Add(ref bulkBytes, verified);
                Interlocked.Increment(ref bulkStreams);
            }
        }

        async Task RequestLaneAsync(int lane)
        {
            var random = new Random(lane);
            using var socket = await ConnectAsync();
            ulong key = 0x1000_0000UL + (ulong)lane;
            long offset = 0;
            byte[] request = new byte[32 * 1024];
            byte[] reply = new byte[32 * 1024];
            while (Running())
            {
                int size = random.Next(1, request.Length + 1);
                Pattern.Fill(request.AsSpan(0, size), key, offset);
                await socket.SendAllAsync(request.AsMemory(0, size));
                Assert.True(await socket.ReceiveExactlyAsync(reply.AsMemory(0, size)).WaitAsync(StepTimeout), $"request lane {lane}: the reply ended early");
                Assert.True(reply.AsSpan(0, size).SequenceEqual(request.AsSpan(0, size)), $"request lane {lane}: reply differs from the request at stream offset {offset}");
                offset += size;
                Interlocked.Increment(ref requests);
                Interlocked.Add(ref requestBytes, size);
            }

            socket.Shutdown(SocketShutdown.Send);
            Assert.Empty(await socket.ReceiveToEndAsync().WaitAsync(StepTimeout));
        }

        async Task ChurnLaneAsync(int lane)
        {
            var random = new Random(1000 + lane);
            for (int round = 0; Running(); round++)
            {
                using var socket = await ConnectAsync();
                int size = round % 3 == 0 ? 0 : random.Next(1, 2048);
                byte[] payload = Pattern.Bytes(((ulong)(2000 + lane) << 32) | (uint)round, 0, size);
                byte[] back = await socket.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
                SocketIo.AssertSameBytes(payload, back, $"churn lane {lane} round {round}");
                Interlocked.Increment(ref churned);
            }
        }

        long peakPss = baseline.PssKiB;
        int peakConnectorFds = baseline.ConnectorFds;
        async Task SampleAsync()
        {
            while (Running())
            {
                await Task.Delay(2000);
                var sample = relay.Sample();
                peakPss = Math.Max(peakPss, sample.PssKiB);
                peakConnectorFds = Math.Max(peakConnectorFds, sample.ConnectorFds);
            }
        }

        var lanes = new List<Task>();
        lanes.AddRange(Enumerable.Range(0, BulkLanes).Select(lane => Task.Run(() => BulkLaneAsync(lane))));
        lanes.AddRange(Enumerable.Range(0, RequestLanes).Select(lane => Task.Run(() => RequestLaneAsync(lane))));
        lanes.AddRange(Enumerable.Range(0, ChurnLanes).Select(lane => Task.Run(() => ChurnLaneAsync(lane))));
        lanes.Add(SampleAsync());
        await Task.WhenAll(lanes);
        var elapsed = clock.Elapsed;

        Assert.False(relay.Bridge.HasExited, relay.Bridge.Describe());
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, "after the soak");
        Output.WriteLine($"after: {after}");

        // The bridge keeps per-connection state of a few KiB and, per event loop, a pool of at most
        // 16 idle pipes; what grows beyond that is the garbage-collected heap between collections
        // (about 15 MiB per part was seen). 48 MiB for both parts together leaves room for that
        // and still catches a leak of a few hundred bytes per connection or per request. Scaled by
        // the L3 size, which sets the GC's budget (see MemoryBound).
        long allowedGrowthKiB = MemoryBound.Scaled(48 * 1024);
        double totalBytes = (2.0 * bulkBytes) + (2.0 * requestBytes);
        figures.Add("offered", $"{Figures.Seconds(duration)}: {BulkLanes} bulk lanes of {BulkStreamBytes >> 20} MiB echo streams + {RequestLanes} request/response connections + {ChurnLanes} connect/close lanes");
        figures.Add("held", $"{bulkStreams} bulk streams ({bulkBytes / (1024.0 * 1024 * 1024):0.00} GiB each way), {requests} requests ({requestBytes / (1024.0 * 1024):0} MiB), {churned} short connections; every byte checked, bytes lost 0, failures 0");
        figures.Add("throughput", $"{totalBytes / elapsed.TotalSeconds / (1024 * 1024):0} MiB/s through the bridge (both directions)");
        figures.AddDescriptors(baseline, after, $" (peak {peakConnectorFds})");
        figures.Add("memory (PSS both parts)", $"{Figures.Mib(baseline.PssKiB)} -> {Figures.Mib(after.PssKiB)}, peak {Figures.Mib(peakPss)} (bound +{Figures.Mib(allowedGrowthKiB)})");
        figures.Add("CPU both parts", $"{Figures.Seconds(after.Cpu - baseline.Cpu)} over {Figures.Seconds(elapsed)}");
        Assert.True(peakPss - baseline.PssKiB <= allowedGrowthKiB,
            $"PSS of both parts peaked at {Figures.Mib(peakPss)}, {Figures.Mib(peakPss - baseline.PssKiB)} above the baseline; bound {Figures.Mib(allowedGrowthKiB)}");
    });
}
