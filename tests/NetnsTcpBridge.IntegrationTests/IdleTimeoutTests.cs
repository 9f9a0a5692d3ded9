using System.Diagnostics;
using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --idle-timeout: a connection on which no byte moved either way for that long is reset on both
/// sides; one that keeps moving bytes, however slowly, is left alone. Only lower bounds on time
/// are asserted (a busy machine can only make things later).
/// </summary>
public sealed class IdleTimeoutTests : IntegrationTest
{
    public IdleTimeoutTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task IdleConnection_IsResetOnBothSides_NoSoonerThanTheTimeout() => WithTimeout(async () =>
    {
        const double IdleSeconds = 1.5;
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var serverEnding = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        StartServer(connectSide, Loopback(9000), connection => EchoAndReportEndingAsync(connection, serverEnding));
        var bridge = StartBridge(["-v", "--idle-timeout", "1.5", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        using var client = await listenSide.ConnectAsync(Loopback(8000));
        var clock = Stopwatch.StartNew();
        await client.SendAllAsync(SocketIo.Payload(1, 10));
        Assert.Equal(10, (await ReadExactlyAsync(client, 10)).Length);

        // Nothing more is sent: the bridge resets the client, and the server.
        var reading = await Assert.ThrowsAnyAsync<SocketException>(async () => await client.ReceiveToEndAsync().WaitAsync(StepTimeout));
        var idleFor = clock.Elapsed;
        Assert.Equal(SocketError.ConnectionReset, reading.SocketErrorCode);
        Assert.Equal("ECONNRESET", await serverEnding.Task.WaitAsync(StepTimeout));

        // The last bytes moved after the clock started; 50 ms allow for the loop's coarse clock.
        Assert.True(idleFor >= TimeSpan.FromSeconds(IdleSeconds) - TimeSpan.FromMilliseconds(50), $"reset after {idleFor.TotalSeconds:0.000} s, before the idle timeout of {IdleSeconds} s");
        string clientAddress = ((System.Net.IPEndPoint)client.LocalEndPoint!).ToString();
        string closeLine = await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsTextClose(line, clientAddress), StepTimeout, "closing the idle connection");
        Assert.Contains(": idle timeout: no byte moved for 1.5 s; client->server 10 bytes, server->client 10 bytes", closeLine, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task SlowButSteadyConnection_OutlivesTheTimeout_AndEndsCleanly() => WithTimeout(async () =>
    {
        const int Bytes = 24;
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var serverEnding = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        StartServer(connectSide, Loopback(9000), connection => EchoAndReportEndingAsync(connection, serverEnding));
        var bridge = StartBridge(["-v", "--idle-timeout", "2", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        // One byte every 250 ms: 6 s in all, three times the timeout, never 2 s without a byte.
        using var client = await listenSide.ConnectAsync(Loopback(8000));
        byte[] payload = SocketIo.Payload(2, Bytes);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Bytes; i++)
        {
            await client.SendAllAsync(payload.AsMemory(i, 1));
            Assert.Equal(payload[i], (await ReadExactlyAsync(client, 1))[0]);
            await Task.Delay(250);
        }

        Assert.True(clock.Elapsed > TimeSpan.FromSeconds(4), "the exchange must last longer than the idle timeout for this test to mean anything");
        client.Shutdown(SocketShutdown.Send);
        Assert.Empty(await client.ReceiveToEndAsync().WaitAsync(StepTimeout));
        Assert.Equal("EOF", await serverEnding.Task.WaitAsync(StepTimeout));
        Assert.DoesNotContain("idle timeout:", bridge.Stderr, StringComparison.Ordinal);
    }, TimeSpan.FromSeconds(60));

    private static async Task EchoAndReportEndingAsync(Socket connection, TaskCompletionSource<string> ending)
    {
        byte[] buffer = new byte[4096];
        try
        {
            while (true)
            {
                int received = await connection.ReceiveAsync(buffer, SocketFlags.None);
                if (received == 0)
                {
                    ending.TrySetResult("EOF");
                    connection.Shutdown(SocketShutdown.Send);
                    return;
                }

                await connection.SendAllAsync(buffer.AsMemory(0, received));
            }
        }
        catch (SocketException e)
        {
            ending.TrySetResult(e.SocketErrorCode == SocketError.ConnectionReset ? "ECONNRESET" : e.SocketErrorCode.ToString());
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Socket socket, int length)
    {
        byte[] buffer = new byte[length];
        int read = 0;
        while (read < length)
        {
            int count = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None).AsTask().WaitAsync(StepTimeout);
            Assert.True(count > 0, "ended early");
            read += count;
        }

        return buffer;
    }
}
