using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Relay;
using Xunit;
using static NetnsTcpBridge.Tests.Relay.RelayedConnection;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>The engine connecting to its target itself (<c>-c</c>), one engine per test.</summary>
public class RelayEngineConnectTests
{
    [Theory]
    [InlineData(CopyMethod.Splice)]
    [InlineData(CopyMethod.Buffered)]
    public async Task ClientOnly_EngineConnectsToTheTarget_AndRelays(CopyMethod method)
    {
        using var target = Listen();
        var (engine, source) = StartEngine(method, (IPEndPoint)target.LocalEndPoint!, TimeSpan.FromSeconds(10));

        using var client = StartClientOnly(source);
        using var server = await target.AcceptAsync().WaitAsync(TestTimeout);

        await SendAllAsync(client, "ping"u8.ToArray());
        Assert.Equal("ping"u8.ToArray(), await ReadExactlyAsync(server, 4));
        await SendAllAsync(server, "pong"u8.ToArray());
        Assert.Equal("pong"u8.ToArray(), await ReadExactlyAsync(client, 4));
        client.Shutdown(SocketShutdown.Send);
        server.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(server));
        Assert.Empty(await ReadToEndAsync(client));
        await RelayEngineTests.WaitUntilIdleAsync(engine);
    }

    [Fact]
    public async Task TargetRefusing_ResetsTheClient_RatherThanClosingCleanly()
    {
        // A port that was just free: bound, then closed without listening.
        IPEndPoint closedPort;
        using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = (IPEndPoint)probe.LocalEndPoint!;
        }

        var (engine, source) = StartEngine(CopyMethod.Splice, closedPort, TimeSpan.FromSeconds(10));

        using var client = StartClientOnly(source);

        var (_, error) = await ReadUntilFailureAsync(client);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        await RelayEngineTests.WaitUntilIdleAsync(engine);
    }

    [Fact]
    public async Task TargetNotAnswering_ResetsTheClientOnceTheConnectTimeoutPasses()
    {
        // A listener that never accepts, with its queue already full: the kernel drops further
        // SYNs, so the engine's connect stays in flight until its timeout.
        using var target = Listen(backlog: 0);
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(target.LocalEndPoint!);
        var (engine, source) = StartEngine(CopyMethod.Splice, (IPEndPoint)target.LocalEndPoint!, TimeSpan.FromMilliseconds(300));

        using var client = StartClientOnly(source);

        var (_, error) = await ReadUntilFailureAsync(client);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);
        await RelayEngineTests.WaitUntilIdleAsync(engine);
    }

    private static (RelayEngine Engine, TestClientSource Source) StartEngine(CopyMethod method, IPEndPoint target, TimeSpan connectTimeout)
    {
        // Event loop threads are background threads that live as long as the test process.
        var source = new TestClientSource();
        var options = new RelayOptions { Routes = [new RelayRoute(null, [target])], ConnectTimeout = connectTimeout, CopyMethod = method, Threads = 1 };
        return (new RelayEngine(options, source), source);
    }
}
