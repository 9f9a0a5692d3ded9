using System.Diagnostics;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>
/// Resource bounds under hostile clients: work the bridge must do for thousands of connections
/// that cannot make progress stays small, and a client that is served meanwhile does not notice.
/// </summary>
public sealed class ResourceBoundTests : ReliabilityTest
{
    public ResourceBoundTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// 2,000 servers reset while their clients do not read, so the bridge holds 2,000 resets that
    /// wait (up to 2 s) for bytes already written to the client to leave. The event loops must not
    /// poll every one of them every millisecond: the connector stays cheap and an unrelated echo
    /// keeps its latency; afterwards every reset has happened and the descriptors are back.
    /// </summary>
    [ReliabilityFact]
    public Task ResetsWaitingForUnreadBytes_LoopStaysCheapAndOthersServed() => WithTimeout(TimeSpan.FromMinutes(3), async () =>
    {
        var figures = new Figures(Output, "bounds: thousands of resets in progress");
        int draining = Profile.Setting("NTB_RESET_DRAINS", 2000, 2000);
        var relay = await StartRelayAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int stalled = 0;
        StartServer(relay.ConnectSide, Relay.Target, async connection =>
        {
            byte[] kind = new byte[1];
            if (!await connection.ReceiveExactlyAsync(kind))
            {
                return;
            }

            if (kind[0] != (byte)'S')
            {
                // An echo client (the warm-up's, or the probe's).
                await connection.SendAllAsync(kind);
                await EchoUntilEndAsync(connection);
                return;
            }

            // 256 KiB fit between the bridge's buffers and the client's receive buffer, so the
            // bridge has written bytes to the client that the client will not take.
            using var cancel = new CancellationTokenSource(StepTimeout);
            await connection.SendAllAsync(Pattern.Bytes(1, 0, 256 * 1024), cancel.Token);
            Interlocked.Increment(ref stalled);
            await release.Task;
            Outcome.Abort(connection);
        });

        await WarmUpAsync(relay);
        var baseline = await BaselineAsync(relay);
        var probe = Track(await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout));
        await probe.SendAllAsync("E"u8.ToArray());
        Assert.True(await probe.ReceiveExactlyAsync(new byte[1]).WaitAsync(StepTimeout), "the echo connection ended");
        _ = await EchoLatenciesAsync(probe, TimeSpan.FromSeconds(0.2)); // the first round trips pay for JIT
        var quiet = await EchoLatenciesAsync(probe, TimeSpan.FromSeconds(1));

        var group = Track(SocketGroup.Create(relay.ListenSide, draining));
        await Task.WhenAll(group.Sockets.Select(async socket =>
        {
            await socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
            await socket.SendAllAsync("S"u8.ToArray());
        }));
        var deadline = DateTime.UtcNow + StepTimeout;
        while (Volatile.Read(ref stalled) < draining)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {stalled} of {draining} servers got their bytes out");
            await Task.Delay(50);
        }

        // Every server resets; each of the bridge's client sockets still holds unread bytes, so
        // each reset waits (ResetDrainLimit, 2 s) for them. Measured inside that window.
        release.SetResult();
        await Task.Delay(100);
        var before = relay.Sample();
        var busy = await EchoLatenciesAsync(probe, TimeSpan.FromSeconds(1.5));
        var during = relay.Sample();
        int heldDuring = during.ConnectorFds;

        // Resets happened while the clients still hold their sockets: the connector let go of both.
        probe.Dispose();
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, $"after {draining} resets waited for unread bytes");
        var endings = await Task.WhenAll(group.Sockets.Select(socket => Outcome.ReadToEndingAsync(socket).WaitAsync(StepTimeout)));
        group.Dispose();
        int reset = endings.Count(e => e.Ending == Ending.Reset);

        var cpu = during.ConnectorCpu - before.ConnectorCpu;
        var window = during.At - before.At;
        double share = cpu.TotalSeconds / window.TotalSeconds;
        figures.Add("offered", $"{draining} servers sent 256 KiB, then reset; their clients never read, so each reset waits for unread bytes (up to 2 s)");
        figures.Add("connector CPU while resets wait", $"{Figures.Seconds(cpu)} over {Figures.Seconds(window)} ({share:P0} of one core); connector held {heldDuring} descriptors");
        figures.Add("unrelated echo latency", $"quiet: {quiet}; while resets wait: {busy}");
        figures.Add("ended", $"{reset} of {draining} clients saw a reset after their bytes; descriptors connector {baseline.ConnectorFds} -> {after.ConnectorFds}");

        Assert.Equal(draining, reset);

        // "Not spinning": waiting resets need only occasional checks; polling all of them every
        // millisecond keeps a core busy (measured before the fix: about 100% of one core).
        Assert.True(share < 0.25, $"the connector used {Figures.Seconds(cpu)} of CPU in {Figures.Seconds(window)} while {draining} resets waited (bound: 25% of one core)");
    });

    private static async Task EchoUntilEndAsync(Socket connection)
    {
        byte[] buffer = new byte[16 * 1024];
        int count;
        while ((count = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0)
        {
            await connection.SendAllAsync(buffer.AsMemory(0, count));
        }

        connection.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Round trips of 64 bytes on an echo connection for <paramref name="duration"/>.</summary>
    private static async Task<Latencies> EchoLatenciesAsync(Socket socket, TimeSpan duration)
    {
        var samples = new List<double>();
        byte[] payload = Pattern.Bytes(7, 0, 64);
        byte[] back = new byte[64];
        var total = Stopwatch.StartNew();
        while (total.Elapsed < duration)
        {
            var one = Stopwatch.StartNew();
            await socket.SendAllAsync(payload);
            Assert.True(await socket.ReceiveExactlyAsync(back).WaitAsync(StepTimeout), "the echo connection ended");
            samples.Add(one.Elapsed.TotalMilliseconds);
            Assert.True(back.AsSpan().SequenceEqual(payload), "the echo differs");
            await Task.Delay(10);
        }

        return new Latencies(samples);
    }

    private sealed class Latencies
    {
        private readonly List<double> _sorted;

        public Latencies(List<double> samples)
        {
            _sorted = [.. samples.Order()];
        }

        public override string ToString() => _sorted.Count == 0 ? "no samples" : string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"{_sorted.Count} round trips, median {_sorted[_sorted.Count / 2]:0.00} ms, p99 {_sorted[Math.Min(_sorted.Count - 1, _sorted.Count * 99 / 100)]:0.00} ms, max {_sorted[^1]:0.00} ms");
    }
}
