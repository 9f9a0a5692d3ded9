using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>--max-connections: past the limit, clients wait (they are not refused) until a connection closes.</summary>
public sealed class ConnectionLimitTests : IntegrationTest
{
    public ConnectionLimitTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task ClientPastTheLimit_WaitsUntilAConnectionCloses_ThenIsRelayed() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var server = StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath, "--max-connections", "2"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        var first = await ConnectAsync(listenSide, Loopback(8000));
        var second = await ConnectAsync(listenSide, Loopback(8000));
        await EchoOnceAsync(first);
        await EchoOnceAsync(second);

        // The third connects (the kernel's queue takes it) but is not relayed while two are open.
        var third = await ConnectAsync(listenSide, Loopback(8000));
        await third.SendAllAsync(SocketIo.Payload(3, 100));
        var pending = ReadExactlyAsync(third, 100);
        await Task.WhenAny(pending, Task.Delay(500));
        Assert.False(pending.IsCompleted, "a client past --max-connections must wait, not be relayed");
        Assert.Equal(2, server.AcceptedCount);

        first.Shutdown(SocketShutdown.Send);
        Assert.Empty(await first.ReceiveToEndAsync().WaitAsync(StepTimeout));
        first.Dispose();

        Assert.Equal(SocketIo.Payload(3, 100), await pending.WaitAsync(StepTimeout));
        Assert.Equal(3, server.AcceptedCount);
    });

    private static async Task EchoOnceAsync(Socket client)
    {
        byte[] ping = SocketIo.Payload(1, 100);
        await client.SendAllAsync(ping);
        Assert.Equal(ping, await ReadExactlyAsync(client, ping.Length).WaitAsync(StepTimeout));
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        int read = 0;
        while (read < length)
        {
            int count = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None);
            Assert.True(count > 0, "ended early");
            read += count;
        }

        return buffer;
    }
}
