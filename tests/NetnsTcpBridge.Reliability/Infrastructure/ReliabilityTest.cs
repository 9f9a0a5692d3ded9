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

    /// <summary>
    /// The connector's descriptors other than pipe ends: sockets, epoll, eventfds, the runtime's.
    /// Its pools' idle pipes come and go with the load, up to a bound of their own
    /// (<see cref="ReliabilityTest.IdlePipeBound"/>), so bounds per client count these alone.
    /// </summary>
    public int ConnectorOtherFds => ConnectorFds - ConnectorPipeFds;

    public static BridgeSample Take(int listener, int connector) => new(
        ProcFs.DescriptorCount(listener), ProcFs.DescriptorCount(connector), ProcFs.PipeCount(connector),
        ProcFs.PssKiB(listener), ProcFs.PssKiB(connector),
        ProcFs.CpuTime(listener), ProcFs.CpuTime(connector), DateTime.UtcNow);

    public override string ToString() =>
        $"fds listener {ListenerFds} connector {ConnectorFds} ({ConnectorPipeFds} pipe ends); PSS listener {Figures.Mib(ListenerPssKiB)} connector {Figures.Mib(ConnectorPssKiB)}; CPU listener {Figures.Seconds(ListenerCpu)} connector {Figures.Seconds(ConnectorCpu)}";
}

/// <summary>
/// Base of every reliability test: the shared <see cref="BridgeTest"/> (resources released newest
/// first, processes killed by PID, the bridge's stderr in the test output) with this suite's
/// bounds, a relay between two fresh namespaces, and descriptor baselines.
/// </summary>
public abstract class ReliabilityTest : BridgeTest
{
    /// <summary>Upper bound for one wait inside a test (an exit, a reply).</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);

    static ReliabilityTest()
    {
        // Thousands of sockets in this process: the soft limit (often 1024) would not do.
        _ = Native.RaiseDescriptorLimit();
    }

    protected ReliabilityTest(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>Bursts of thousands of connections: room for them in every accept queue.</summary>
    protected override int ServerBacklog => 4096;

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
            launcher: launcher);
        await listenSide.WaitForListenerAsync(Relay.ListenPort, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        return new Relay(bridge, connector, listenSide, connectSide);
    }

    /// <summary>
    /// Connects from <paramref name="ns"/> to <paramref name="endpoint"/>, sends a fresh payload,
    /// half-closes and checks that exactly the same bytes come back before end of stream.
    /// </summary>
    protected static Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, int seed, int length = 100_000) =>
        AssertEchoesAsync(ns, endpoint, seed, length, StepTimeout);

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
        int listener = await ProcFs.SettledDescriptorCountAsync(relay.Bridge.Pid, baseline.ListenerFds);
        _ = await ProcFs.SettledDescriptorCountAsync(relay.Connector, baseline.ConnectorOtherFds + pipeBound);
        var after = relay.Sample();
        Assert.True(listener <= baseline.ListenerFds,
            $"listener (pid {relay.Bridge.Pid}) holds {listener} descriptors {when}, {baseline.ListenerFds} at the baseline: {ProcFs.DescribeDescriptors(relay.Bridge.Pid)}");
        Assert.True(after.ConnectorOtherFds <= baseline.ConnectorOtherFds,
            $"connector (pid {relay.Connector}) holds {after.ConnectorOtherFds} descriptors other than pipes {when}, {baseline.ConnectorOtherFds} at the baseline: {ProcFs.DescribeDescriptors(relay.Connector)}");
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
        _ = await ProcFs.SteadyDescriptorCountAsync(relay.Bridge.Pid);
        _ = await ProcFs.SteadyDescriptorCountAsync(relay.Connector);
        return relay.Sample();
    }
}
