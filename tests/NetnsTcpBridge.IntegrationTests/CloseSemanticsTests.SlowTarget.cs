using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// A client that sends, then resets, before the target has answered the bridge: the bridge reads
/// the client's socket only after its reset, so every read meets the reset at once. What a
/// direct connection guarantees must still hold: the server reads every byte, then ECONNRESET.
/// </summary>
public sealed partial class CloseSemanticsTests
{
    [NamespaceTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task ClientSendsAroundAnUrgentByteThenResetsBeforeTheTargetAnswers_ServerReadsEveryByteThenReset(string copyMethod) => WithTimeout(async () =>
    {
        const string Before = "bytes-before-the-urgent-one", After = "bytes-after-the-urgent-one";
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();

        // A full accept queue drops the bridge's SYN until the test makes room (as Target.BlackHole).
        var target = Track(connectSide.Listen(Loopback(ServerPort), backlog: 1));
        target.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.OutOfBandInline, true);
        var fillers = new List<Socket>();
        for (int i = 0; i < 2; i++)
        {
            var filler = Track(connectSide.CreateSocket(AddressFamily.InterNetwork));
            await filler.ConnectAsync(Loopback(ServerPort)).WaitAsync(StepTimeout);
            fillers.Add(filler);
        }

        var bridge = StartBridge([
            "-l", $"127.0.0.1:{BridgePort}", "-f", listenSide.FilePath,
            "-c", $"127.0.0.1:{ServerPort}", "-t", connectSide.FilePath,
            "--copy", copyMethod, "--connect-timeout", "30"]);
        await listenSide.WaitForListenerAsync(BridgePort, bridge);

        var client = Track(listenSide.CreateSocket(AddressFamily.InterNetwork));
        await client.ConnectAsync(Loopback(BridgePort)).WaitAsync(StepTimeout);
        string wrote = await client.TrySendWithUrgentByteAsync(Before, '!', After, PeerTimeout);
        Assert.Equal("ok", wrote);
        await client.WaitUntilSentAsync(PeerTimeout);
        client.Reset();

        // Room in the accept queue: the bridge's next SYN is answered, and it relays what it holds.
        foreach (var filler in fillers)
        {
            Track(await target.AcceptAsync().WaitAsync(StepTimeout)).Dispose();
            filler.Dispose();
        }

        var server = Track(await target.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20)));
        var (received, ending) = await server.ReadUntilEndAsync(PeerTimeout);
        var observed = new PeerObservation(PeerProbe.DescribeBytes(received), ending);
        var expected = new PeerObservation(PeerProbe.DescribeBytes(Encoding.ASCII.GetBytes($"{Before}!{After}")), "ECONNRESET");
        Assert.True(observed == expected, $"through the bridge (--copy {copyMethod}) the server observed {observed}, a direct connection gives {expected}");
        Assert.False(bridge.HasExited, bridge.Describe());
    });
}
