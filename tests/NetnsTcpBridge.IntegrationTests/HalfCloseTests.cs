using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>A FIN travels through the bridge in one direction while the other keeps flowing.</summary>
public sealed class HalfCloseTests : IntegrationTest
{
    public HalfCloseTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task ClientHalfClosesFirst_ServerSeesEofThenItsReplyStillReachesClient(string copyMethod) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var serverReceived = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] reply = SocketIo.Payload(21, 300_000);
        StartServer(connectSide, Loopback(9000), async connection =>
        {
            // Everything the client sent, then its FIN; only then the answer.
            serverReceived.TrySetResult(await connection.ReceiveToEndAsync());
            await connection.SendAllAsync(reply);
            connection.Shutdown(SocketShutdown.Send);
        });
        var bridge = await StartBridgeAsync(listenSide, connectSide, copyMethod);

        var client = await ConnectAsync(listenSide, Loopback(8000));
        byte[] request = SocketIo.Payload(22, 250_000);
        await client.SendAllAsync(request);
        client.Shutdown(SocketShutdown.Send);

        SocketIo.AssertSameBytes(request, await serverReceived.Task.WaitAsync(StepTimeout), "what the server read before end of stream");
        SocketIo.AssertSameBytes(reply, await client.ReceiveToEndAsync().WaitAsync(StepTimeout), "the reply the client read after its own half-close");
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    [NamespaceTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task ServerHalfClosesFirst_ClientSeesEofAndCanStillSend(string copyMethod) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var serverReceived = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        byte[] greeting = SocketIo.Payload(23, 100_000);
        StartServer(connectSide, Loopback(9000), async connection =>
        {
            await connection.SendAllAsync(greeting);
            connection.Shutdown(SocketShutdown.Send);
            serverReceived.TrySetResult(await connection.ReceiveToEndAsync());
        });
        var bridge = await StartBridgeAsync(listenSide, connectSide, copyMethod);

        var client = await ConnectAsync(listenSide, Loopback(8000));
        SocketIo.AssertSameBytes(greeting, await client.ReceiveToEndAsync().WaitAsync(StepTimeout), "what the client read before the server's end of stream");

        // The server's FIN has arrived; the other direction must still carry data.
        byte[] upload = SocketIo.Payload(24, 400_000);
        await client.SendAllAsync(upload).WaitAsync(StepTimeout);
        client.Shutdown(SocketShutdown.Send);
        SocketIo.AssertSameBytes(upload, await serverReceived.Task.WaitAsync(StepTimeout), "what the server read after its own half-close");
        Assert.False(bridge.HasExited, bridge.Describe());
    });

    private async Task<BridgeProcess> StartBridgeAsync(TestNamespace listenSide, TestNamespace connectSide, string copyMethod)
    {
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath, "--copy", copyMethod]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        return bridge;
    }
}
