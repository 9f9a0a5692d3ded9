using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Request and response: a client sends a burst of writes, then waits for all of it to come
/// back before it sends again. No later byte comes to wake the bridge, so it must have relayed
/// everything that was there, though it stops reading once a read finds less than it had room for.
/// </summary>
public sealed class RequestResponseTests : IntegrationTest
{
    private const int Rounds = 300;

    public RequestResponseTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// A pipe of one page holds one buffer: a splice stops short once it is taken, with bytes still
    /// in the socket. Bursts of many small writes fill it so; each must still come back whole.
    /// </summary>
    [NamespaceTheory]
    [InlineData("splice", "4096")]
    [InlineData("splice", "8192")]
    [InlineData("splice", "1048576")]
    [InlineData("buffered", "1048576")]
    public Task BurstsOfSmallWrites_EachEchoedWholeBeforeTheNext(string copyMethod, string pipeSize) => WithTimeout(async () =>
    {
        var (bridge, listenSide, _) = await StartEchoRelayAsync("--copy", copyMethod, "--pipe-size", pipeSize);

        var client = Track(listenSide.CreateSockets(AddressFamily.InterNetwork, 1)[0]);
        client.NoDelay = true;
        await client.ConnectAsync(Loopback(8000));
        var random = new Random(Rounds);
        for (int round = 0; round < Rounds; round++)
        {
            // 1 to 40 writes of 1 to 3000 bytes, each its own segment (TCP_NODELAY).
            byte[] burst = SocketIo.Payload(round, random.Next(1, 41) * random.Next(1, 3001));
            int sent = 0;
            while (sent < burst.Length)
            {
                int length = Math.Min(burst.Length - sent, random.Next(1, 3001));
                await client.SendAllAsync(burst.AsMemory(sent, length));
                sent += length;
            }

            byte[] echoed = new byte[burst.Length];
            using var patience = new CancellationTokenSource(StepTimeout);
            bool whole;
            try
            {
                whole = await client.ReceiveExactlyAsync(echoed, patience.Token);
            }
            catch (OperationCanceledException)
            {
                whole = false;
            }

            Assert.True(whole, $"round {round}: the echo of {burst.Length} bytes did not come back whole within {StepTimeout.TotalSeconds} s; {bridge.Describe()}");
            SocketIo.AssertSameBytes(burst, echoed, $"round {round}");
        }
    }, TimeSpan.FromSeconds(120));
}
