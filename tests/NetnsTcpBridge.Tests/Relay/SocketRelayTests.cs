using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Relay;
using Xunit;
using static NetnsTcpBridge.Tests.Relay.RelayedConnection;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>Real loopback TCP in the current namespace; every wait is bounded, nothing depends on timing.</summary>
public class SocketRelayTests
{
    [Fact]
    public async Task Bytes_BothWaysAtOnce_ArriveIntact()
    {
        using var connection = await StartAsync();
        byte[] upload = RandomBytes((4 * 1024 * 1024) + 17, seed: 1);
        byte[] download = RandomBytes((3 * 1024 * 1024) + 4099, seed: 2);

        var sendUp = SendThenShutdownAsync(connection.Client, upload);
        var sendDown = SendThenShutdownAsync(connection.Server, download);
        var receivedUp = ReadToEndAsync(connection.Server);
        var receivedDown = ReadToEndAsync(connection.Client);
        await Task.WhenAll(sendUp, sendDown, receivedUp, receivedDown).WaitAsync(TestTimeout);

        AssertSameBytes(upload, await receivedUp);
        AssertSameBytes(download, await receivedDown);

        var result = await connection.ResultAsync();
        Assert.True(result.IsClean, result.ToString());
        Assert.Equal(new DirectionResult(upload.Length, DirectionEnding.EndOfStream, null), result.ClientToServer);
        Assert.Equal(new DirectionResult(download.Length, DirectionEnding.EndOfStream, null), result.ServerToClient);
    }

    [Fact]
    public async Task Bytes_InManySmallWrites_ArriveInOrder()
    {
        using var connection = await StartAsync();
        byte[] upload = RandomBytes(200_000, seed: 3);

        var send = SendAllAsync(connection.Client, upload, chunk: 7);
        byte[] received = await ReadExactlyAsync(connection.Server, upload.Length);
        await send;

        AssertSameBytes(upload, received);
    }

    [Fact]
    public async Task ClientHalfClose_ServerSeesEndOfStream_WhileReplyStillFlows()
    {
        using var connection = await StartAsync();
        byte[] request = Encoding.ASCII.GetBytes("GET / HTTP/1.0\r\n\r\n");
        byte[] reply = RandomBytes(1024 * 1024, seed: 4);

        await SendAllAsync(connection.Client, request);
        connection.Client.Shutdown(SocketShutdown.Send);

        // The FIN went through: the server reads the request, then end of stream.
        AssertSameBytes(request, await ReadToEndAsync(connection.Server));
        Assert.False(connection.Running.IsCompleted, "the relay ended although the server has not finished");

        // The other direction still flows after the half-close.
        var readReply = ReadToEndAsync(connection.Client);
        await SendAllAsync(connection.Server, reply);
        connection.Server.Shutdown(SocketShutdown.Send);
        AssertSameBytes(reply, await readReply);

        var result = await connection.ResultAsync();
        Assert.True(result.IsClean, result.ToString());
        Assert.Equal(new DirectionResult(request.Length, DirectionEnding.EndOfStream, null), result.ClientToServer);
        Assert.Equal(new DirectionResult(reply.Length, DirectionEnding.EndOfStream, null), result.ServerToClient);
    }

    [Fact]
    public async Task ServerHalfClose_ClientSeesEndOfStream_WhileUploadStillFlows()
    {
        using var connection = await StartAsync();
        byte[] greeting = Encoding.ASCII.GetBytes("220 ready\r\n");
        byte[] upload = RandomBytes(512 * 1024, seed: 5);

        await SendAllAsync(connection.Server, greeting);
        connection.Server.Shutdown(SocketShutdown.Send);
        AssertSameBytes(greeting, await ReadToEndAsync(connection.Client));

        var readUpload = ReadToEndAsync(connection.Server);
        await SendAllAsync(connection.Client, upload);
        connection.Client.Shutdown(SocketShutdown.Send);
        AssertSameBytes(upload, await readUpload);

        var result = await connection.ResultAsync();
        Assert.True(result.IsClean, result.ToString());
        Assert.Equal(upload.Length, result.ClientToServer.Bytes);
        Assert.Equal(greeting.Length, result.ServerToClient.Bytes);
    }

    [Fact]
    public async Task IdleConnection_ClosedByBoth_IsCleanWithNoBytes()
    {
        using var connection = await StartAsync();

        connection.Client.Shutdown(SocketShutdown.Send);
        connection.Server.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(connection.Client));
        Assert.Empty(await ReadToEndAsync(connection.Server));

        var result = await connection.ResultAsync();
        Assert.Equal(new RelayResult(
            new DirectionResult(0, DirectionEnding.EndOfStream, null),
            new DirectionResult(0, DirectionEnding.EndOfStream, null)), result);
    }

    [Fact]
    public async Task ServerReset_ReachesTheClientAsAReset_NotAFin()
    {
        using var connection = await StartAsync();
        await ExchangeSomethingAsync(connection);

        connection.Server.LingerState = new LingerOption(enable: true, seconds: 0);
        connection.Server.Close();

        var error = await ReadUntilFailureAsync(connection.Client);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        var result = await connection.ResultAsync();
        Assert.False(result.IsClean);
        Assert.Equal(DirectionEnding.ReadFailed, result.ServerToClient.Ending);
        Assert.Equal(nameof(SocketError.ConnectionReset), result.ServerToClient.Error);
        Assert.Equal(DirectionEnding.Aborted, result.ClientToServer.Ending);
        Assert.Equal(5, result.ClientToServer.Bytes);
        Assert.Equal(6, result.ServerToClient.Bytes);
    }

    [Fact]
    public async Task ClientReset_ReachesTheServerAsAReset_NotAFin()
    {
        using var connection = await StartAsync();
        await ExchangeSomethingAsync(connection);

        connection.Client.LingerState = new LingerOption(enable: true, seconds: 0);
        connection.Client.Close();

        var error = await ReadUntilFailureAsync(connection.Server);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        var result = await connection.ResultAsync();
        Assert.False(result.IsClean);
        Assert.Equal(DirectionEnding.ReadFailed, result.ClientToServer.Ending);
        Assert.Equal(nameof(SocketError.ConnectionReset), result.ClientToServer.Error);
        Assert.Equal(DirectionEnding.Aborted, result.ServerToClient.Ending);
    }

    [Fact]
    public async Task ResetAfterHalfClose_StillReachesTheOtherSideAsAReset()
    {
        using var connection = await StartAsync();
        connection.Client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await ReadToEndAsync(connection.Server));

        connection.Server.LingerState = new LingerOption(enable: true, seconds: 0);
        connection.Server.Close();

        var error = await ReadUntilFailureAsync(connection.Client);
        Assert.Equal(SocketError.ConnectionReset, error.SocketErrorCode);

        var result = await connection.ResultAsync();
        Assert.Equal(DirectionEnding.EndOfStream, result.ClientToServer.Ending);
        Assert.Equal(DirectionEnding.ReadFailed, result.ServerToClient.Ending);
        Assert.False(result.IsClean);
    }

    [Fact]
    public async Task WritingToAClosedServer_FailsAndResetsTheClient()
    {
        using var connection = await StartAsync();

        // The server closes completely (FIN); the client sees end of stream but keeps sending.
        connection.Server.Close();
        Assert.Empty(await ReadToEndAsync(connection.Client));

        var error = await SendUntilFailureAsync(connection.Client);
        Assert.Contains(error.SocketErrorCode, new[] { SocketError.ConnectionReset, SocketError.Shutdown });

        var result = await connection.ResultAsync();
        Assert.Equal(DirectionEnding.EndOfStream, result.ServerToClient.Ending);
        Assert.Equal(DirectionEnding.WriteFailed, result.ClientToServer.Ending);
        Assert.NotNull(result.ClientToServer.Error);
        Assert.False(result.IsClean);
    }

    [Fact]
    public async Task Abort_ResetsBothSides_AndReportsBothDirectionsAborted()
    {
        using var connection = await StartAsync();
        await ExchangeSomethingAsync(connection);

        connection.Relay.Abort();
        connection.Relay.Abort(); // a second abort is harmless

        Assert.Equal(SocketError.ConnectionReset, (await ReadUntilFailureAsync(connection.Client)).SocketErrorCode);
        Assert.Equal(SocketError.ConnectionReset, (await ReadUntilFailureAsync(connection.Server)).SocketErrorCode);

        var result = await connection.ResultAsync();
        Assert.Equal(DirectionEnding.Aborted, result.ClientToServer.Ending);
        Assert.Equal(DirectionEnding.Aborted, result.ServerToClient.Ending);
        Assert.Null(result.ClientToServer.Error);
        Assert.Null(result.ServerToClient.Error);
        Assert.False(result.IsClean);
    }

    [Fact]
    public void RelayResult_DescribesBothDirections()
    {
        var clean = new RelayResult(
            new DirectionResult(10, DirectionEnding.EndOfStream, null),
            new DirectionResult(20, DirectionEnding.EndOfStream, null));
        var reset = new RelayResult(
            new DirectionResult(1, DirectionEnding.Aborted, null),
            new DirectionResult(2, DirectionEnding.ReadFailed, "ConnectionReset"));
        var broken = new RelayResult(
            new DirectionResult(3, DirectionEnding.WriteFailed, "Shutdown"),
            new DirectionResult(4, DirectionEnding.EndOfStream, null));

        Assert.True(clean.IsClean);
        Assert.False(reset.IsClean);
        Assert.False(broken.IsClean);
        Assert.Equal("client->server 10 bytes (FIN), server->client 20 bytes (FIN)", clean.ToString());
        Assert.Equal("client->server 1 bytes (aborted), server->client 2 bytes (read failed: ConnectionReset)", reset.ToString());
        Assert.Equal("client->server 3 bytes (write failed: Shutdown), server->client 4 bytes (FIN)", broken.ToString());
    }

    /// <summary>Sends 5 bytes up and 6 down so that both pumps have moved data before the test goes on.</summary>
    private static async Task ExchangeSomethingAsync(RelayedConnection connection)
    {
        await SendAllAsync(connection.Client, "hello"u8.ToArray());
        Assert.Equal("hello"u8.ToArray(), await ReadExactlyAsync(connection.Server, 5));
        await SendAllAsync(connection.Server, "world!"u8.ToArray());
        Assert.Equal("world!"u8.ToArray(), await ReadExactlyAsync(connection.Client, 6));
    }

    private static async Task SendThenShutdownAsync(Socket socket, byte[] data)
    {
        await SendAllAsync(socket, data);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task<SocketException> SendUntilFailureAsync(Socket socket)
    {
        byte[] chunk = new byte[16 * 1024];
        while (true)
        {
            try
            {
                await socket.SendAsync(chunk.AsMemory(), SocketFlags.None).AsTask().WaitAsync(TestTimeout);
            }
            catch (SocketException e)
            {
                return e;
            }
        }
    }

    private static void AssertSameBytes(byte[] expected, byte[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(mismatch == expected.Length, $"first difference at byte {mismatch} of {expected.Length}");
    }
}
