using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>A bridge started between two fresh namespaces: the listener part and its connector part.</summary>
public sealed record Relay(BridgeProcess Bridge, int Connector, TestNamespace ListenSide, TestNamespace ConnectSide)
{
    public const int ListenPort = 8000;
    public const int TargetPort = 9000;

    public static IPEndPoint Entry => new(IPAddress.Loopback, ListenPort);

    public static IPEndPoint Target => new(IPAddress.Loopback, TargetPort);

    /// <summary>Descriptors, memory and CPU time of both parts now.</summary>
    public BridgeSample Sample() => BridgeSample.Take(Bridge.Pid, Connector);
}

/// <summary>What /proc says about both parts of the bridge at one moment.</summary>
public readonly record struct BridgeSample(int ListenerFds, int ConnectorFds, int ConnectorPipeFds, long ListenerPssKiB, long ConnectorPssKiB, TimeSpan ListenerCpu, TimeSpan ConnectorCpu, DateTime At)
{
    public long PssKiB => ListenerPssKiB + ConnectorPssKiB;

    public TimeSpan Cpu => ListenerCpu + ConnectorCpu;

    public static BridgeSample Take(int listener, int connector) => new(
        ProcFs.DescriptorCount(listener), ProcFs.DescriptorCount(connector), ProcFs.PipeCount(connector),
        ProcFs.PssKiB(listener), ProcFs.PssKiB(connector),
        ProcFs.CpuTime(listener), ProcFs.CpuTime(connector), DateTime.UtcNow);

    public override string ToString() =>
        $"fds listener {ListenerFds} connector {ConnectorFds} ({ConnectorPipeFds} pipe ends); PSS listener {Figures.Mib(ListenerPssKiB)} connector {Figures.Mib(ConnectorPssKiB)}; CPU listener {Figures.Seconds(ListenerCpu)} connector {Figures.Seconds(ConnectorCpu)}";
}

/// <summary>
/// Base of every reliability test: owns what a test creates (namespaces, servers, sockets,
/// processes) and releases it in Dispose, newest first, even when the test failed; processes
/// are killed by PID. Prints the bridge's stderr to the test output.
/// </summary>
public abstract class ReliabilityTest : IDisposable
{
    /// <summary>Upper bound for one wait inside a test (an exit, a reply).</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    private readonly Stack<IDisposable> _resources = new();
    private readonly List<BridgeProcess> _bridges = [];
    private bool _disposed;

    static ReliabilityTest()
    {
        // Thousands of sockets in this process: the soft limit (often 1024) would not do.
        _ = Native.RaiseDescriptorLimit();
    }

    protected ReliabilityTest(ITestOutputHelper output)
    {
        Output = output;
    }

    protected ITestOutputHelper Output { get; }

    protected static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    /// <summary>Runs a test body under <paramref name="timeout"/>: a hang becomes a failure, never a stuck run.</summary>
    protected static async Task WithTimeout(TimeSpan timeout, Func<Task> body)
    {
        var run = Task.Run(body);
        try
        {
            await run.WaitAsync(timeout);
        }
        catch (TimeoutException e) when (!run.IsCompleted)
        {
            throw new TimeoutException($"the scenario did not finish within {timeout.TotalSeconds} s (the bridge's stderr is in the test output)", e);
        }
    }

    protected T Track<T>(T resource)
        where T : IDisposable
    {
        lock (_resources)
        {
            if (!_disposed)
            {
                _resources.Push(resource);
                return resource;
            }
        }

        // The test timed out and was cleaned up while its body still ran: nothing may outlive it.
        resource.Dispose();
        throw new ObjectDisposedException(GetType().Name, "the test has already been cleaned up (it timed out)");
    }

    protected TestNamespace CreateNamespace() => Track(TestNamespace.Create());

    protected BridgeProcess StartBridge(IReadOnlyList<string> arguments, IReadOnlyList<string>? launcher = null)
    {
        var bridge = Track(BridgeProcess.Start(arguments, launcher: launcher));
        lock (_bridges)
        {
            _bridges.Add(bridge);
        }

        Output.WriteLine($"started bridge pid {bridge.Pid}: {bridge.CommandLine}");
        return bridge;
    }

    /// <summary>
    /// Two fresh namespaces and a bridge from 127.0.0.1:8000 in the first to 127.0.0.1:9000 in the
    /// second (no server started there), up and listening, its connector part known.
    /// </summary>
    protected async Task<Relay> StartRelayAsync(IReadOnlyList<string>? extraArguments = null, IReadOnlyList<string>? launcher = null, Action<TestNamespace, TestNamespace>? beforeStart = null)
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        foreach (var ns in new[] { listenSide, connectSide })
        {
            // Tens of thousands of short connections leave sockets in TIME_WAIT: give them room.
            ns.SetSysctl("net/ipv4/ip_local_port_range", "10000 65000");
        }

        beforeStart?.Invoke(listenSide, connectSide);
        var bridge = StartBridge(
            ["-l", $"127.0.0.1:{Relay.ListenPort}", "-f", listenSide.FilePath, "-c", $"127.0.0.1:{Relay.TargetPort}", "-t", connectSide.FilePath, .. extraArguments ?? []],
            launcher);
        await listenSide.WaitForListenerAsync(Relay.ListenPort, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        return new Relay(bridge, connector, listenSide, connectSide);
    }

    protected EchoServer StartEchoServer(TestNamespace ns, IPEndPoint endpoint, int backlog = 4096) => Track(EchoServer.Start(ns, endpoint, backlog));

    protected TcpServer StartServer(TestNamespace ns, IPEndPoint endpoint, Func<Socket, Task> handler, int backlog = 4096) =>
        Track(TcpServer.Start(ns, endpoint, handler, backlog));

    protected async Task<Socket> ConnectAsync(TestNamespace ns, IPEndPoint endpoint) =>
        Track(await ns.ConnectAsync(endpoint));

    /// <summary>
    /// Connects from <paramref name="ns"/> to <paramref name="endpoint"/>, sends a fresh payload,
    /// half-closes and checks that exactly the same bytes come back before end of stream.
    /// </summary>
    protected static async Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, int seed, int length = 100_000)
    {
        using var client = await ns.ConnectAsync(endpoint).WaitAsync(StepTimeout);
        byte[] payload = SocketIo.Payload(seed, length);
        byte[] echoed = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, $"echo through {endpoint} from netns {ns}");
    }

    /// <summary>
    /// Polls the descriptor count of <paramref name="pid"/> until it is at most <paramref name="target"/>
    /// and steady, or 15 s have passed; returns the last count.
    /// </summary>
    protected static async Task<int> SettledDescriptorCountAsync(int pid, int target)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        int previous = -1;
        while (true)
        {
            int count = ProcFs.DescriptorCount(pid);
            if ((count <= target && count == previous) || DateTime.UtcNow > deadline)
            {
                return count;
            }

            previous = count;
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Most pipe descriptors the connector may hold with no bytes in flight: the runtime's own
    /// pipe (signal handling, two ends) and, per event loop, up to 16 idle splice pipes kept for
    /// reuse (PipePool.MaxIdle), two ends each. It does not grow with the number of connections.
    /// </summary>
    protected static int IdlePipeBound(int? loops = null) => 2 + (2 * 16 * (loops ?? Environment.ProcessorCount));

    /// <summary>
    /// Checks that both parts hold no more descriptors than at <paramref name="baseline"/> (after
    /// letting closing connections finish); returns the settled sample. The connector's idle
    /// splice pipes are the one thing allowed to differ, up to <see cref="IdlePipeBound"/>.
    /// </summary>
    protected static async Task<BridgeSample> AssertDescriptorsBackToBaselineAsync(Relay relay, BridgeSample baseline, string when, int? loops = null)
    {
        int pipeBound = Math.Max(baseline.ConnectorPipeFds, IdlePipeBound(loops));
        int listener = await SettledDescriptorCountAsync(relay.Bridge.Pid, baseline.ListenerFds);
        _ = await SettledDescriptorCountAsync(relay.Connector, baseline.ConnectorFds - baseline.ConnectorPipeFds + pipeBound);
        var after = relay.Sample();
        int connectorOthers = after.ConnectorFds - after.ConnectorPipeFds;
        int baselineOthers = baseline.ConnectorFds - baseline.ConnectorPipeFds;
        Assert.True(listener <= baseline.ListenerFds,
            $"listener (pid {relay.Bridge.Pid}) holds {listener} descriptors {when}, {baseline.ListenerFds} at the baseline: {ProcFs.DescribeDescriptors(relay.Bridge.Pid)}");
        Assert.True(connectorOthers <= baselineOthers,
            $"connector (pid {relay.Connector}) holds {connectorOthers} descriptors other than pipes {when}, {baselineOthers} at the baseline: {ProcFs.DescribeDescriptors(relay.Connector)}");
        Assert.True(after.ConnectorPipeFds <= pipeBound,
            $"connector (pid {relay.Connector}) holds {after.ConnectorPipeFds} pipe descriptors {when}, more than its pools may keep ({pipeBound}): {ProcFs.DescribeDescriptors(relay.Connector)}");
        return after;
    }

    /// <summary>A warm-up burst: both parts create what they keep for good (runtime descriptors, pipe pools) before a baseline is taken.</summary>
    protected static Task WarmUpAsync(Relay relay, int clients = 32) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(i => AssertEchoesAsync(relay.ListenSide, Relay.Entry, seed: 100 + i, length: 300_000)));

    /// <summary>The baseline after a warm-up: descriptor counts once steady.</summary>
    protected static async Task<BridgeSample> BaselineAsync(Relay relay)
    {
        _ = await SettledDescriptorCountAsync(relay.Bridge.Pid, int.MaxValue);
        _ = await SettledDescriptorCountAsync(relay.Connector, int.MaxValue);
        return relay.Sample();
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (_disposed || !disposing)
        {
            return;
        }

        lock (_resources)
        {
            _disposed = true;
        }

        var failures = new List<Exception>();
        foreach (var bridge in _bridges)
        {
            try
            {
                string stderr = bridge.Stderr;
                Output.WriteLine($"bridge pid {bridge.Pid} stderr ({stderr.Length} chars):\n{(stderr.Length > 20_000 ? stderr[..10_000] + "\n...\n" + stderr[^10_000..] : stderr)}");
            }
            catch (InvalidOperationException)
            {
                // No test output available any more.
            }
        }

        while (true)
        {
            IDisposable? resource;
            lock (_resources)
            {
                if (!_resources.TryPop(out resource))
                {
                    break;
                }
            }

            try
            {
                resource.Dispose();
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            throw new AggregateException("clean-up failed", failures);
        }
    }
}
