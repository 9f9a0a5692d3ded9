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
        StartEchoOrStallingServer(relay, async connection =>
        {
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

    /// <summary>
    /// A target that streams without end and 3,000 clients that stop reading: each stalled
    /// direction keeps the bytes of its last read in a splice pipe (up to 1 MiB) of unswappable
    /// kernel memory. The bytes held in the connector's pipes must stay within
    /// --pipe-memory-budget plus one page per pipe lent past it; other clients are still served.
    /// The budget is set low (4 MiB; NTB_PIPE_BUDGET_MIB) so that the socket buffers this machine
    /// can afford for 3,000 connections are enough to exceed it.
    /// </summary>
    [ReliabilityFact]
    public Task StreamingTargetAndClientsThatNeverRead_PipeMemoryStaysWithinTheBudget() => WithTimeout(TimeSpan.FromMinutes(4), async () =>
    {
        var figures = new Figures(Output, "bounds: pipe memory with stalled readers");
        int stalledClients = Profile.Setting("NTB_PIPE_STALLS", 3000, 3000);
        long budget = Profile.Setting("NTB_PIPE_BUDGET_MIB", 4, 4) * 1024L * 1024;

        // Small socket buffers on the clients' side: the target's bytes pile up in the connector,
        // whose server socket may take 256 KiB per read. Socket buffers are bounded so that 3,000
        // stalled connections stay well within the machine's TCP memory (net.ipv4.tcp_mem is
        // shared by every namespace; past it the kernel resets connections).
        var relay = await StartRelayAsync(["--pipe-memory-budget", $"{budget >> 20}M"], beforeStart: (listenSide, connectSide) =>
        {
            listenSide.SetSysctl("net/ipv4/tcp_rmem", "4096 16384 65536");
            listenSide.SetSysctl("net/ipv4/tcp_wmem", "4096 16384 65536");
            connectSide.SetSysctl("net/ipv4/tcp_rmem", "4096 131072 262144");
            connectSide.SetSysctl("net/ipv4/tcp_wmem", "4096 16384 65536");
        });
        long streamed = 0;
        using var stop = new CancellationTokenSource();
        StartEchoOrStallingServer(relay, async connection =>
        {
            byte[] chunk = Pattern.Bytes(3, 0, 64 * 1024);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await connection.SendAllAsync(chunk, stop.Token);
                    Interlocked.Add(ref streamed, chunk.Length);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                // The client went away, or the scenario is over.
            }
        });

        await WarmUpAsync(relay);
        var baseline = await BaselineAsync(relay);
        long memAvailableBefore = ProcFs.MemAvailableKiB();
        long cgroupBefore = ProcFs.CgroupMemoryBytes(relay.Connector);

        var group = Track(SocketGroup.Create(relay.ListenSide, stalledClients));
        await Task.WhenAll(group.Sockets.Select(async socket =>
        {
            await socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
            await socket.SendAllAsync("S"u8.ToArray());
        }));

        // A reader that stalls at once leaves a pipe nearly empty: the connector stops reading as
        // soon as a write would block. One that takes a little now and then lets the connector
        // write a little and read a socket buffer's worth each time, so its pipe fills up. So the
        // clients read what has arrived, a few times, then never again.
        byte[] sink = new byte[64 * 1024];
        long readByClients = 0;
        for (int round = 0; round < 12; round++)
        {
            await Task.Delay(250);
            foreach (var socket in group.Sockets)
            {
                int available = socket.Available;
                if (available > 0)
                {
                    readByClients += socket.Receive(sink, Math.Min(available, sink.Length), SocketFlags.None);
                }
            }
        }

        // Steady state: the target cannot send more because nobody reads.
        long before = -1;
        var settle = Stopwatch.StartNew();
        while (Interlocked.Read(ref streamed) != before && settle.Elapsed < TimeSpan.FromSeconds(60))
        {
            before = Interlocked.Read(ref streamed);
            await Task.Delay(2000);
        }

        var (pipes, bytesInPipes) = ProcFs.PipeContents(relay.Connector);
        long memAvailableStalled = ProcFs.MemAvailableKiB();
        long cgroupStalled = ProcFs.CgroupMemoryBytes(relay.Connector);
        var stalledSample = relay.Sample();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => AssertEchoesAsync(relay.ListenSide, Relay.Entry, seed: 500 + i, length: 50_000)));
        stop.Cancel();
        group.Dispose();
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, $"after {stalledClients} stalled readers closed");
        long memAvailableAfter = ProcFs.MemAvailableKiB();

        long bound = budget + ((long)pipes * PipeBudgetSmallPipe);
        figures.Add("offered", $"{stalledClients} clients that read what had arrived 12 times in 3 s ({readByClients / (1024.0 * 1024):0.0} MiB in all), then never again, a target that streams to each without end (tcp_rmem/tcp_wmem max 64 KiB on the clients' side, tcp_rmem max 256 KiB on the target's); 20 echo clients meanwhile");
        figures.Add("held in pipes", $"{bytesInPipes / (1024.0 * 1024):0.0} MiB in {pipes} pipes (bound: budget {budget >> 20} MiB + one page per pipe = {bound / (1024.0 * 1024):0.0} MiB); the target got {Interlocked.Read(ref streamed) / (1024.0 * 1024):0.0} MiB out");
        figures.Add("MemAvailable", $"{Figures.Mib(memAvailableBefore)} -> {Figures.Mib(memAvailableStalled)} stalled ({Figures.Mib(memAvailableBefore - memAvailableStalled)} used, socket buffers included) -> {Figures.Mib(memAvailableAfter)} after");
        figures.Add("memory cgroup", cgroupBefore < 0 ? "not readable" : $"{Figures.Mib(cgroupBefore / 1024)} -> {Figures.Mib(cgroupStalled / 1024)} stalled (+{Figures.Mib((cgroupStalled - cgroupBefore) / 1024)}; the test process is in it too)");
        figures.Add("bridge", $"{stalledSample}; after: connector {after.ConnectorFds} descriptors; 20 of 20 echoes served meanwhile");

        Assert.True(bytesInPipes <= bound, $"the connector's pipes hold {bytesInPipes} bytes with {stalledClients} stalled readers (bound {bound}: --pipe-memory-budget plus one page per pipe)");
    });

    // PipeBudget.SmallPipeSize: a pipe lent past the budget holds one page.
    private const int PipeBudgetSmallPipe = 4096;

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

    /// <summary>
    /// The target of both scenarios: a client whose first byte is 'S' is handed to
    /// <paramref name="stalling"/>; any other (the warm-up's, the probe's) is echoed, that byte first.
    /// </summary>
    private void StartEchoOrStallingServer(Relay relay, Func<Socket, Task> stalling) =>
        StartServer(relay.ConnectSide, Relay.Target, async connection =>
        {
            byte[] kind = new byte[1];
            if (!await connection.ReceiveExactlyAsync(kind))
            {
                return;
            }

            if (kind[0] == (byte)'S')
            {
                await stalling(connection);
                return;
            }

            await connection.SendAllAsync(kind);
            await EchoUntilEndAsync(connection);
        });
}
