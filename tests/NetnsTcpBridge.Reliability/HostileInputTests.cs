using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>Hostile input: a fuzzed command line, clients that never send, clients that never read.</summary>
public sealed class HostileInputTests : ReliabilityTest
{
    /// <summary>The seed every run uses; a second, random one is printed (NTB_FUZZ_SEED replays it).</summary>
    private const int FixedSeed = 20251129;

    public HostileInputTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// Thousands of malformed command lines (a few hundred in CI), each invalid by construction:
    /// the bridge must never crash (no signal), never print a stack trace or an internal error,
    /// never exit 0, exit 2 for a usage error and 1 for an unusable namespace or descriptor, with
    /// exactly one line on stderr and nothing on stdout, within 10 s. Every case is started from
    /// inside a throwaway namespace, so even a wrongly accepted one could only listen there.
    /// </summary>
    [ReliabilityFact]
    public Task CommandLineFuzz_NeverCrashesAlwaysOneLineAndTheRightStatus() => WithTimeout(TimeSpan.FromMinutes(8), async () =>
    {
        var figures = new Figures(Output, "hostile: command-line fuzz");
        int perSeed = Profile.Setting("NTB_FUZZ_CASES", 2000, 200);
        int randomSeed = Environment.GetEnvironmentVariable("NTB_FUZZ_SEED") is { Length: > 0 } given
            ? int.Parse(given, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        Output.WriteLine($"fuzz seeds: fixed {FixedSeed}, random {randomSeed} (replay with NTB_FUZZ_SEED={randomSeed})");
        var configFiles = Track(new FuzzConfigFiles());
        var cases = new List<FuzzCase>(CommandLineFuzzer.Fixed());
        foreach (int seed in new[] { FixedSeed, randomSeed })
        {
            var fuzzer = new CommandLineFuzzer(seed, configFiles);
            cases.AddRange(Enumerable.Range(0, perSeed).Select(_ => fuzzer.Next() with { Kind = $"seed {seed}" }));
        }

        var sandbox = CreateNamespace();
        string sandboxIdentity = sandbox.Identity;
        var failures = new ConcurrentQueue<string>();
        var statusCounts = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (fuzzCase, _) =>
        {
            string? problem = await RunCaseAsync(fuzzCase, sandbox);
            if (problem is not null)
            {
                failures.Enqueue($"case {fuzzCase.Number} ({fuzzCase.Kind}) [{fuzzCase.Show()}]: {problem}");
            }
        });
        var elapsed = clock.Elapsed;

        async Task<string?> RunCaseAsync(FuzzCase fuzzCase, TestNamespace ns)
        {
            using var bridge = BridgeProcess.Start(fuzzCase.Arguments, spawnIn: ns);
            ExitStatus status;
            try
            {
                status = await bridge.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                return $"still running after 10 s (it started a bridge or hangs); stderr: {Escape(bridge.Stderr)}";
            }

            statusCounts.AddOrUpdate(status.ToString(), 1, (_, n) => n + 1);
            string stderr = bridge.Stderr;
            string stdout = bridge.Stdout;
            var problems = new List<string>();
            if (!status.Exited)
            {
                problems.Add($"crashed: {status}");
            }
            else if (status.Code == 0)
            {
                problems.Add("exit status 0 for an invalid command line");
            }
            else if (fuzzCase.ExpectedStatus is { } expected ? status.Code != expected : status.Code is not (1 or 2))
            {
                problems.Add($"{status}, expected {(fuzzCase.ExpectedStatus?.ToString(CultureInfo.InvariantCulture) ?? "1 or 2")}");
            }

            if (stderr.Contains("   at ", StringComparison.Ordinal))
            {
                problems.Add("a stack trace on stderr");
            }

            if (stderr.Contains("internal error", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add("an internal error instead of a message about the input");
            }

            if (stderr.Count(c => c == '\n') != 1 || !stderr.EndsWith('\n') || stderr.Trim().Length == 0)
            {
                problems.Add($"{stderr.Count(c => c == '\n')} stderr lines instead of exactly one");
            }

            if (stdout.Length > 0)
            {
                problems.Add("output on stdout");
            }

            return problems.Count == 0 ? null : $"{string.Join("; ", problems)}; stderr: {Escape(stderr)}";
        }

        var left = ProcFs.ProcessesInNamespace(sandboxIdentity);
        string counts = string.Join(", ", statusCounts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Value}x {p.Key}"));
        figures.Add("offered", $"{cases.Count} command lines (seeds {FixedSeed} and {randomSeed}, {perSeed} each, + {cases.Count - (2 * perSeed)} fixed)");
        figures.Add("held", $"{cases.Count - failures.Count} of {cases.Count} exited as required ({counts}); failures {failures.Count}");
        figures.Add("duration", Figures.Seconds(elapsed));
        foreach (string failure in failures.Take(10))
        {
            Output.WriteLine(failure);
        }

        Assert.True(left.Count == 0, $"processes left in the fuzz namespace: {string.Join(", ", left)}");
        Assert.True(failures.IsEmpty,
            $"{failures.Count} of {cases.Count} command lines misbehaved (replay with NTB_FUZZ_SEED={randomSeed}); first ones:\n{string.Join("\n", failures.Take(10))}");
    });

    /// <summary>
    /// The connector part's internal mode started by hand (<c>netns_tcp_bridge --connector-part</c>,
    /// no hand-over channel at descriptor 3) must say so in one line, as the code intends
    /// ("... do not start the connector by hand"), not report an internal error.
    /// </summary>
    /// <remarks>
    /// Found by this suite: the runtime opened /dev/urandom at the lowest free descriptor, 3,
    /// before the connector checked descriptor 3, so the check passed and recvmsg failed with
    /// ENOTSOCK ("internal error: recvmsg(hand-over channel): Socket operation on non-socket").
    /// Fixed in 87f5b4d (descriptor 3 must be the SEQPACKET channel).
    /// </remarks>
    [ReliabilityFact]
    public Task ConnectorPartStartedByHand_OneLineSayingItIsInternal() => WithTimeout(TimeSpan.FromMinutes(1), async () =>
    {
        var sandbox = CreateNamespace();
        using var bridge = BridgeProcess.Start(["--connector-part"], spawnIn: sandbox);
        var status = await bridge.WaitForExitAsync(StepTimeout);
        string stderr = bridge.Stderr;
        Output.WriteLine($"{status}; stderr: {stderr}");
        Assert.Equal(new ExitStatus(1, 0), status);
        Assert.Equal(1, stderr.Count(c => c == '\n'));
        Assert.DoesNotContain("internal error", stderr, StringComparison.Ordinal);
        Assert.Contains("by hand", stderr, StringComparison.Ordinal);
    });

    /// <summary>
    /// 1,000 clients (500 in CI) connect and never send. The bridge must relay them all, hold no
    /// pipe or buffer for them, use almost no CPU while they idle, and keep serving others.
    /// </summary>
    [ReliabilityFact]
    public Task ClientsThatNeverSend_HeldIdleWithoutPipesOrCpuAndOthersServed() => WithTimeout(TimeSpan.FromMinutes(3), async () =>
    {
        var figures = new Figures(Output, "hostile: clients that never send");
        int idle = Profile.Setting("NTB_IDLE_CLIENTS", 1000, 500);
        var relay = await StartRelayAsync();
        var server = StartEchoServer(relay.ConnectSide, Relay.Target);
        await WarmUpAsync(relay);
        var baseline = await BaselineAsync(relay);
        int baselinePipes = ProcFs.PipeCount(relay.Connector);

        var group = Track(SocketGroup.Create(relay.ListenSide, idle));
        await Parallel.ForEachAsync(group.Sockets, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (socket, cancel) =>
            await socket.ConnectAsync(Relay.Entry, cancel));
        await WaitUntilAsync(() => server.OpenCount >= idle, () => $"{server.OpenCount} of {idle} idle clients reached the server");
        await Task.Delay(1000);

        var before = relay.Sample();
        await Task.Delay(3000);
        var idleSample = relay.Sample();
        var cpu = idleSample.Cpu - before.Cpu;
        int pipes = ProcFs.PipeCount(relay.Connector);
        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => AssertEchoesAsync(relay.ListenSide, Relay.Entry, seed: 900 + i, length: 20_000)));

        // The server closes its end of an echo and only then counts it closed: a client may see
        // the end of its echo a moment before that.
        await WaitUntilAsync(() => server.OpenCount <= idle, () => $"{server.OpenCount} connections open at the server, {idle} idle ones expected");
        Assert.Equal(idle, server.OpenCount);

        group.Dispose();
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, $"after {idle} idle clients closed");

        figures.Add("offered", $"{idle} clients connected that never send, then 50 normal clients");
        figures.Add("held", $"{idle} relayed and held; 50 of 50 others echoed; connector pipe ends {baselinePipes} -> {pipes} (pool bound {IdlePipeBound()}: none per idle client)");
        figures.Add("CPU while idle", $"{Figures.Seconds(cpu)} over {Figures.Seconds(idleSample.At - before.At)} (both parts)");
        figures.Add("memory (PSS both parts)", $"{Figures.Mib(baseline.PssKiB)} -> {Figures.Mib(idleSample.PssKiB)} with {idle} idle, {Figures.Mib(after.PssKiB)} after");
        figures.Add("descriptors", $"connector {baseline.ConnectorFds} -> {idleSample.ConnectorFds} with {idle} idle -> {after.ConnectorFds}");

        // "Not spinning": idle connections need no work at all; a busy loop would show a whole core.
        Assert.True(cpu < TimeSpan.FromSeconds(0.75), $"the bridge used {Figures.Seconds(cpu)} of CPU in 3 s with only idle clients (bound: 25% of one core)");
        Assert.True(pipes <= Math.Max(baselinePipes, IdlePipeBound()),
            $"the connector holds {pipes} pipe ends with {idle} idle clients, {baselinePipes} before; idle connections must hold none (bound: the pools' {IdlePipeBound()})");
        Assert.True(idleSample.ConnectorOtherFds <= baseline.ConnectorOtherFds + (2 * idle) + 8, $"connector descriptors other than pipes {baseline.ConnectorOtherFds} -> {idleSample.ConnectorOtherFds} with {idle} idle clients; expected at most two per client");
        Assert.True(idleSample.PssKiB - baseline.PssKiB <= MemoryBound.Scaled(16 * 1024),
            $"PSS grew by {Figures.Mib(idleSample.PssKiB - baseline.PssKiB)} for {idle} idle clients (bound {Figures.Mib(MemoryBound.Scaled(16 * 1024))})");
    });

    /// <summary>
    /// 200 clients each ask for 1 MiB and never read it, with small socket buffers in both
    /// namespaces so that the bytes have to wait somewhere: the bridge's memory (PSS) must stay
    /// far below the 200 MiB held back, it must not spin, other clients must still be served, and
    /// once the clients read, every byte arrives.
    /// </summary>
    [ReliabilityTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task ClientsThatNeverRead_BridgeMemoryBoundedThenEveryByteDelivered(string copyMethod) => WithTimeout(TimeSpan.FromMinutes(4), async () =>
    {
        var figures = new Figures(Output, $"hostile: clients that never read ({copyMethod})");
        const int Readers = 200;
        const int Response = 1024 * 1024;
        var relay = await StartRelayAsync(["--copy", copyMethod], beforeStart: (listenSide, connectSide) =>
        {
            foreach (var ns in new[] { listenSide, connectSide })
            {
                ns.SetSysctl("net/ipv4/tcp_rmem", "4096 16384 65536");
                ns.SetSysctl("net/ipv4/tcp_wmem", "4096 16384 65536");
            }
        });
        long serverSent = 0;
        StartServer(relay.ConnectSide, Relay.Target, async connection =>
        {
            byte[] request = new byte[9];
            if (!await connection.ReceiveExactlyAsync(request))
            {
                return;
            }

            if (request[0] == (byte)'E')
            {
                // An echo client: the rest of the stream comes back.
                await connection.SendAllAsync(request.AsMemory(1));
                byte[] buffer = new byte[16 * 1024];
                int count;
                while ((count = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                {
                    await connection.SendAllAsync(buffer.AsMemory(0, count));
                }

                connection.Shutdown(SocketShutdown.Send);
                return;
            }

            ulong key = BitConverter.ToUInt64(request, 1);
            byte[] chunk = new byte[16 * 1024];
            for (int offset = 0; offset < Response; offset += chunk.Length)
            {
                Pattern.Fill(chunk, key, offset);
                await connection.SendAllAsync(chunk);
                Interlocked.Add(ref serverSent, chunk.Length);
            }

            connection.Shutdown(SocketShutdown.Send);
            while (await connection.ReceiveAsync(chunk, SocketFlags.None) > 0)
            {
            }
        });

        async Task EchoThroughAsync(int seed)
        {
            using var client = await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
            byte[] payload = [(byte)'E', .. Pattern.Bytes((ulong)seed, 0, 50_000)];
            byte[] back = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
            SocketIo.AssertSameBytes(payload[1..], back, $"echo client {seed} while others do not read");
        }

        await Task.WhenAll(Enumerable.Range(0, 16).Select(EchoThroughAsync));
        var baseline = await BaselineAsync(relay);

        var group = Track(SocketGroup.Create(relay.ListenSide, Readers));
        await Task.WhenAll(group.Sockets.Select(async (socket, index) =>
        {
            await socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
            await socket.SendAllAsync((byte[])[(byte)'B', .. BitConverter.GetBytes((ulong)index)]);
        }));

        // Steady state: the server cannot send more because nobody reads.
        long sentBefore = -1;
        while (Interlocked.Read(ref serverSent) != sentBefore)
        {
            sentBefore = Interlocked.Read(ref serverSent);
            await Task.Delay(2000);
        }

        var before = relay.Sample();
        await Task.Delay(3000);
        var stalled = relay.Sample();
        var cpu = stalled.Cpu - before.Cpu;
        int pipes = ProcFs.PipeCount(relay.Connector);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => EchoThroughAsync(100 + i)));
        long held = Interlocked.Read(ref serverSent);
        Output.WriteLine($"stalled: server sent {held} of {(long)Readers * Response}; {stalled}; connector pipes {pipes}");

        var clock = Stopwatch.StartNew();
        long delivered = (await Task.WhenAll(group.Sockets.Select((socket, index) =>
            Pattern.ReceiveAndVerifyAsync(socket, (ulong)index, Response)))).Sum();
        var drainTime = clock.Elapsed;
        group.Dispose();
        Assert.False(relay.Bridge.HasExited, relay.Bridge.Describe());
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, "after the readers finished");

        // 200 MiB are held back; buffered copying may hold 64 KiB per stalled direction (12.5 MiB),
        // splice none in user space. 32 MiB (scaled by the L3 size, see MemoryBound) allows that
        // and the GC heap, and fails long before the bridge would keep what it cannot send.
        long allowedGrowthKiB = MemoryBound.Scaled(32 * 1024);
        long growth = stalled.PssKiB - baseline.PssKiB;
        figures.Add("offered", $"{Readers} clients each asked for {Response >> 20} MiB and did not read (tcp_rmem/tcp_wmem max 64 KiB in both namespaces)");
        figures.Add("held back", $"the server got {held / (1024.0 * 1024):0.0} MiB of {Readers * (Response >> 20)} MiB out before it blocked; pipes held by the connector: {pipes / 2}");
        figures.Add("memory (PSS both parts)", $"{Figures.Mib(baseline.PssKiB)} -> {Figures.Mib(stalled.PssKiB)} while stalled (bound +{Figures.Mib(allowedGrowthKiB)}), {Figures.Mib(after.PssKiB)} after");
        figures.Add("CPU while stalled", $"{Figures.Seconds(cpu)} over {Figures.Seconds(stalled.At - before.At)} (both parts)");
        figures.Add("delivered", $"{delivered} of {(long)Readers * Response} bytes, every byte checked, bytes lost 0, in {Figures.Seconds(drainTime)} once read; 20 of 20 other clients served meanwhile");
        Assert.Equal((long)Readers * Response, delivered);
        Assert.True(growth <= allowedGrowthKiB, $"PSS of both parts grew by {Figures.Mib(growth)} while {Readers} clients did not read (bound {Figures.Mib(allowedGrowthKiB)})");

        // "Not spinning": stalled connections wait for the peer to read; a busy loop would show a whole core.
        Assert.True(cpu < TimeSpan.FromSeconds(0.75), $"the bridge used {Figures.Seconds(cpu)} of CPU in 3 s while every connection was stalled (bound: 25% of one core)");
    });

    private static async Task WaitUntilAsync(Func<bool> condition, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, describe());
            await Task.Delay(50);
        }
    }

    private static string Escape(string text) =>
        "\"" + (text.Length > 400 ? text[..400] + "..." : text).Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
}
