using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// Base of every test class: owns what a test creates (namespaces, servers, sockets, processes)
/// and releases it in Dispose, newest first, even when the test failed; prints the bridge's
/// stderr to the test output so that a failure shows what the tool said.
/// </summary>
public abstract class IntegrationTest : IDisposable
{
    /// <summary>Upper bound for a whole test; a hang becomes a failure, never a stuck run.</summary>
    protected static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound for one wait inside a test (an exit, a reply).</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    private readonly Stack<IDisposable> _resources = new();
    private readonly List<BridgeProcess> _bridges = [];
    private bool _disposed;

    protected IntegrationTest(ITestOutputHelper output)
    {
        Output = output;
    }

    protected ITestOutputHelper Output { get; }

    protected static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    protected static IPEndPoint LoopbackV6(int port) => new(IPAddress.IPv6Loopback, port);

    /// <summary>Runs a test body under <see cref="TestTimeout"/> (or <paramref name="timeout"/>).</summary>
    protected static async Task WithTimeout(Func<Task> body, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TestTimeout;

        // On the thread pool, away from xunit's synchronisation context.
        var run = Task.Run(body);
        try
        {
            await run.WaitAsync(limit);
        }
        catch (TimeoutException e) when (!run.IsCompleted)
        {
            throw new TimeoutException($"the test did not finish within {limit.TotalSeconds} s (the bridge's stderr is in the test output)", e);
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

    protected BridgeProcess StartBridge(IReadOnlyList<string> arguments, IReadOnlyList<InheritedFd>? inherited = null, TestNamespace? runInside = null, IReadOnlyList<string>? launcher = null, TestNamespace? spawnIn = null)
    {
        var bridge = Track(BridgeProcess.Start(arguments, inherited, runInside, launcher, spawnIn));
        lock (_bridges)
        {
            _bridges.Add(bridge);
        }

        Output.WriteLine($"started bridge pid {bridge.Pid}: {bridge.CommandLine}");
        return bridge;
    }

    /// <summary>Starts the bridge with arguments only and waits for it to end (for command-line errors).</summary>
    protected async Task<(ExitStatus Status, BridgeProcess Bridge)> RunBridgeToEndAsync(IReadOnlyList<string> arguments, IReadOnlyList<InheritedFd>? inherited = null)
    {
        var bridge = StartBridge(arguments, inherited);
        var status = await bridge.WaitForExitAsync(StepTimeout);
        return (status, bridge);
    }

    protected EchoServer StartEchoServer(TestNamespace ns, IPEndPoint endpoint) => Track(EchoServer.Start(ns, endpoint));

    protected TcpServer StartServer(TestNamespace ns, IPEndPoint endpoint, Func<Socket, Task> handler) =>
        Track(TcpServer.Start(ns, endpoint, handler));

    protected async Task<Socket> ConnectAsync(TestNamespace ns, IPEndPoint endpoint) =>
        Track(await ns.ConnectAsync(endpoint));

    /// <summary>
    /// Connects from <paramref name="ns"/> to <paramref name="endpoint"/>, sends a fresh payload,
    /// half-closes and checks that exactly the same bytes come back before end of stream.
    /// </summary>
    protected static async Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, int seed, int length = 100_000)
    {
        using var client = await ns.ConnectAsync(endpoint);
        byte[] payload = SocketIo.Payload(seed, length);
        byte[] echoed = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, $"echo through {endpoint} from netns {ns}");
    }

    /// <summary>A process living in <paramref name="ns"/> whose /proc/PID/ns/net names it; killed in Dispose.</summary>
    protected async Task<ExternalProcess> StartSleeperAsync(TestNamespace ns)
    {
        var sleeper = Track(ExternalProcess.Start("ip", "netns", "exec", ns.Name, "sleep", "1000"));
        string wanted = ns.Identity;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);

        // Until 'ip netns exec' has called setns, /proc/PID/ns/net still names our own namespace.
        while (ProcFs.ReadLink($"/proc/{sleeper.Pid}/ns/net") != wanted)
        {
            if (sleeper.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"'{sleeper.CommandLine}' did not enter netns {ns} ({wanted})");
            }

            await Task.Delay(10);
        }

        return sleeper;
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
                Output.WriteLine($"bridge pid {bridge.Pid} stderr:\n{bridge.Stderr}");
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
