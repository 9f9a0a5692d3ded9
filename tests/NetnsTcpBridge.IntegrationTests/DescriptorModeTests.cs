using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Inherited sockets: a listening one (-L), an already accepted client (-S), a pre-connected
/// target (-C). The sockets are made by the test inside the namespaces and passed at fixed numbers.
/// </summary>
public sealed class DescriptorModeTests : IntegrationTest
{
    public DescriptorModeTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// A descriptor the bridge inherits without being told about it (a parent's leak) reaches
    /// neither the connector nor the serving listener: only the named ones go on.
    /// </summary>
    [NamespaceFact]
    public Task UnnamedInheritedDescriptor_ReachesNeitherPart() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string leakedFile = Path.Combine(Path.GetTempPath(), $"ntb-leak-{Guid.NewGuid():N}");
        File.WriteAllText(leakedFile, "leaked");
        try
        {
            using var leaked = OwnedFd.OpenReadOnly(leakedFile);
            var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name], [new InheritedFd(leaked.Number, 7)]);
            await listenSide.WaitForListenerAsync(8000, bridge);
            int connector = await bridge.WaitForConnectorAsync();
            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 71);
            bool Holds(int pid) => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Any(fd => ProcFs.ReadLink(fd) == leakedFile);

            // The listener keeps it until it moves into its namespace, a moment after it listens.
            var deadline = DateTime.UtcNow + StepTimeout;
            while (Holds(bridge.Pid) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            Assert.False(Holds(bridge.Pid), $"the listener still holds {leakedFile}: {ProcFs.DescribeDescriptors(bridge.Pid)}");
            Assert.False(Holds(connector), $"the connector holds {leakedFile}: {ProcFs.DescribeDescriptors(connector)}");
        }
        finally
        {
            File.Delete(leakedFile);
        }
    });

    [NamespaceFact]
    public Task ListenFd_InheritedListeningSocketInListenNetns_ServesSeveralClients() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = WithInherited(listenSide.Listen(Loopback(8000)), socket =>
            StartBridge(["-L", "3", "-c", "127.0.0.1:9000", "-t", connectSide.FilePath], [new InheritedFd(Fd(socket), 3)]));

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 11);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 12);
        Assert.False(bridge.HasExited, $"with -L the bridge keeps serving: {bridge.Describe()}");
    });

    [NamespaceFact]
    public Task PreacceptedFd_ForwardsThatOneClientThenExitsZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var (client, accepted) = await ConnectedPairAsync(listenSide);

        var bridge = WithInherited(accepted, socket =>
            StartBridge(["-S", "3", "-c", "127.0.0.1:9000", "-t", connectSide.FilePath], [new InheritedFd(Fd(socket), 3)]));

        byte[] payload = SocketIo.Payload(13, 200_000);
        byte[] echoed = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, "echo of the pre-accepted client");
        client.Dispose();

        var status = await bridge.WaitForExitAsync(StepTimeout);
        Assert.True(status == new ExitStatus(0, 0), $"after its one client the bridge must exit 0: {bridge.Describe()}");
    });

    [NamespaceFact]
    public Task ConnectFd_ForwardsOneClientToPreconnectedSocketThenExitsZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var preconnected = await connectSide.ConnectAsync(Loopback(9000));

        var bridge = WithInherited(preconnected, socket =>
            StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-C", "3"], [new InheritedFd(Fd(socket), 3)]));
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 14);

        var status = await bridge.WaitForExitAsync(StepTimeout);
        Assert.True(status == new ExitStatus(0, 0), $"after its one client the bridge must exit 0: {bridge.Describe()}");
        Assert.Equal(1, server.AcceptedCount);
        var refused = await Assert.ThrowsAsync<SocketException>(() => listenSide.ConnectAsync(Loopback(8000)));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    });

    [NamespaceFact]
    public Task PreacceptedFdWithConnectFd_RelaysBetweenTheTwoThenExitsZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var (client, accepted) = await ConnectedPairAsync(listenSide);
        var preconnected = await connectSide.ConnectAsync(Loopback(9000));

        var bridge = WithInherited(accepted, acceptedSocket => WithInherited(preconnected, preconnectedSocket =>
            StartBridge(["-S", "3", "-C", "4"], [new InheritedFd(Fd(acceptedSocket), 3), new InheritedFd(Fd(preconnectedSocket), 4)])));

        byte[] payload = SocketIo.Payload(15, 150_000);
        byte[] echoed = await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, "echo between the pre-accepted client and the pre-connected server");
        client.Dispose();

        var status = await bridge.WaitForExitAsync(StepTimeout);
        Assert.True(status == new ExitStatus(0, 0), $"after its one client the bridge must exit 0: {bridge.Describe()}");
    });

    private static int Fd(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();

    /// <summary>Starts the bridge with <paramref name="socket"/>, then closes the test's own copy of it.</summary>
    private static T WithInherited<T>(Socket socket, Func<Socket, T> start)
    {
        using (socket)
        {
            return start(socket);
        }
    }

    /// <summary>A client in <paramref name="ns"/> and the server-side socket that accepted it.</summary>
    private async Task<(Socket Client, Socket Accepted)> ConnectedPairAsync(TestNamespace ns)
    {
        using var listener = ns.Listen(Loopback(7000));
        var client = await ConnectAsync(ns, Loopback(7000));
        var accepted = await listener.AcceptAsync();
        return (client, accepted);
    }
}
