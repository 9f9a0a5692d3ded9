using System.Net;
using System.Net.Sockets;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>
/// Base of every integration test class: the shared <see cref="BridgeTest"/> (resources released
/// newest first, the bridge's stderr in the test output) with this suite's time bounds.
/// </summary>
public abstract class IntegrationTest : BridgeTest
{
    /// <summary>Upper bound for a whole test; a hang becomes a failure, never a stuck run.</summary>
    protected static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Upper bound for one wait inside a test (an exit, a reply).</summary>
    protected static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(15);

    protected IntegrationTest(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>Runs a test body under <see cref="TestTimeout"/> (or <paramref name="timeout"/>).</summary>
    protected static Task WithTimeout(Func<Task> body, TimeSpan? timeout = null) => WithTimeout(timeout ?? TestTimeout, body);

    /// <summary>Starts the bridge with arguments only and waits for it to end (for command-line errors).</summary>
    protected async Task<(ExitStatus Status, BridgeProcess Bridge)> RunBridgeToEndAsync(IReadOnlyList<string> arguments, IReadOnlyList<InheritedFd>? inherited = null)
    {
        var bridge = StartBridge(arguments, inherited);
        var status = await bridge.WaitForExitAsync(StepTimeout);
        return (status, bridge);
    }

    /// <summary>
    /// An echo server on 127.0.0.1:9000 in a fresh connect namespace, and the bridge relaying to it
    /// from 127.0.0.1:8000 in a fresh listen namespace (with <paramref name="extraArguments"/>),
    /// listening when this returns.
    /// </summary>
    protected async Task<(BridgeProcess Bridge, TestNamespace ListenSide, EchoServer Server)> StartEchoRelayAsync(params string[] extraArguments)
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath, .. extraArguments]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        return (bridge, listenSide, server);
    }

    /// <summary>
    /// Connects from <paramref name="ns"/> to <paramref name="endpoint"/>, sends a fresh payload,
    /// half-closes and checks that exactly the same bytes come back before end of stream.
    /// </summary>
    protected static Task AssertEchoesAsync(TestNamespace ns, IPEndPoint endpoint, int seed, int length = 100_000) =>
        AssertEchoesAsync(ns, endpoint, seed, length, StepTimeout);

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

    /// <summary>
    /// Connects to a UNIX socket once the bridge listens on it, from <paramref name="ns"/> (the
    /// socket is made inside it: an abstract name is per namespace) or from here when null.
    /// </summary>
    protected static async Task<Socket> ConnectUnixWhenReadyAsync(TestNamespace? ns, UnixDomainSocketEndPoint endpoint, BridgeProcess bridge)
    {
        using var timeout = new CancellationTokenSource(StepTimeout);
        while (true)
        {
            var socket = ns is null
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : ns.Enter(() => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
            try
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
                return socket;
            }
            catch (SocketException) when (!bridge.HasExited)
            {
                socket.Dispose();
                await Task.Delay(20, timeout.Token);
            }
        }
    }

    /// <summary>Connects from here to the socket file at <paramref name="path"/> once the bridge listens on it.</summary>
    protected static Task<Socket> ConnectUnixWhenReadyAsync(string path, BridgeProcess bridge) =>
        ConnectUnixWhenReadyAsync(null, new UnixDomainSocketEndPoint(path), bridge);
}
