using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.TestSupport;

/// <summary>
/// Base of every test class that runs the bridge: owns what a test creates (namespaces, servers,
/// sockets, processes) and releases it in Dispose, newest first, even when the test failed;
/// processes are killed by PID. Prints each bridge's stderr to the test output so that a failure
/// shows what the tool said.
/// </summary>
public abstract class BridgeTest : IDisposable
{
    /// <summary>Beyond this a bridge's stderr is printed as its head and its tail.</summary>
    private const int PrintedStderrLimit = 20_000;

    private readonly Stack<IDisposable> _resources = new();
    private readonly List<BridgeProcess> _bridges = [];
    private bool _disposed;

    protected BridgeTest(ITestOutputHelper output)
    {
        Output = output;
    }

    protected ITestOutputHelper Output { get; }

    /// <summary>The backlog of the servers this test starts.</summary>
    protected virtual int ServerBacklog => TestNamespace.DefaultBacklog;

    protected static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    protected static IPEndPoint LoopbackV6(int port) => new(IPAddress.IPv6Loopback, port);

    /// <summary>Runs a test body under <paramref name="limit"/>: a hang becomes a failure, never a stuck run.</summary>
    protected static async Task WithTimeout(TimeSpan limit, Func<Task> body)
    {
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

    protected EchoServer StartEchoServer(TestNamespace ns, IPEndPoint endpoint) => Track(EchoServer.Start(ns, endpoint, ServerBacklog));

    protected TcpServer StartServer(TestNamespace ns, IPEndPoint endpoint, Func<Socket, Task> handler) =>
        Track(TcpServer.Start(ns, endpoint, handler, ServerBacklog));

    protected async Task<Socket> ConnectAsync(TestNamespace ns, IPEndPoint endpoint) =>
        Track(await ns.ConnectAsync(endpoint));

    /// <summary>
    /// Connects from <paramref name="ns"/> to <paramref name="endpoint"/>, sends a fresh payload,
    /// half-closes and checks that exactly the same bytes come back before end of stream, each
    /// step within <paramref name="stepTimeout"/>.
    /// </summary>
    protected static async Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, int seed, int length, TimeSpan stepTimeout)
    {
        using var client = await ns.ConnectAsync(endpoint).WaitAsync(stepTimeout);
        byte[] payload = SocketIo.Payload(seed, length);
        byte[] echoed = await client.EchoRoundTripAsync(payload).WaitAsync(stepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, $"echo through {endpoint} from netns {ns}");
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

        foreach (var bridge in _bridges)
        {
            PrintStderr(bridge);
        }

        var failures = new List<Exception>();
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

    private void PrintStderr(BridgeProcess bridge)
    {
        try
        {
            string stderr = bridge.Stderr;
            string shown = stderr.Length > PrintedStderrLimit
                ? $"{stderr[..(PrintedStderrLimit / 2)]}\n...\n{stderr[^(PrintedStderrLimit / 2)..]}"
                : stderr;
            Output.WriteLine($"bridge pid {bridge.Pid} stderr ({stderr.Length} chars):\n{shown}");
        }
        catch (InvalidOperationException)
        {
            // No test output available any more.
        }
    }
}
