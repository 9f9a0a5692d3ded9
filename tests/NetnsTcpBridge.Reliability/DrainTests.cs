using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>SIGTERM under load: the bridge stops taking clients, the transfers in flight finish, nothing is lost, and it exits 0.</summary>
public sealed class DrainTests : ReliabilityTest
{
    public DrainTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [ReliabilityTheory]
    [InlineData("splice")]
    [InlineData("buffered")]
    public Task SigtermUnderLoad_TransfersInFlightFinishByteForByte_ThenExitZero(string copyMethod) => WithTimeout(TimeSpan.FromMinutes(3), async () =>
    {
        var figures = new Figures(Output, $"drain: SIGTERM under load ({copyMethod})");
        int transfers = Profile.Setting("NTB_DRAIN_TRANSFERS", 100, 50);
        const long Length = 8L * 1024 * 1024;
        var relay = await StartRelayAsync(["--copy", copyMethod, "--drain-timeout", "60"]);
        StartEchoServer(relay.ConnectSide, Relay.Target);

        // Every transfer is connected and relayed before the signal: each has echoed a first chunk.
        var clients = new List<System.Net.Sockets.Socket>();
        for (int i = 0; i < transfers; i++)
        {
            var client = Track(await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout));
            clients.Add(client);
        }

        var running = clients.Select((client, i) => Task.Run(() => Pattern.EchoAndVerifyAsync(client, (ulong)(7000 + i), Length))).ToList();
        await Task.Delay(200);
        var started = DateTime.UtcNow;
        relay.Bridge.Signal(Native.SIGTERM);

        long verified = (await Task.WhenAll(running).WaitAsync(TimeSpan.FromMinutes(2))).Sum();
        var status = await relay.Bridge.WaitForExitAsync(StepTimeout);
        var drained = DateTime.UtcNow - started;

        Assert.Equal(transfers * Length, verified);
        Assert.True(status == new ExitStatus(0, 0), $"a drained bridge exits 0: {relay.Bridge.Describe()}");
        Assert.False(relay.ListenSide.HasListener(Relay.ListenPort), "nothing may listen after the bridge exited");

        figures.Add("offered", $"{transfers} echo transfers of {Length / (1024 * 1024)} MiB each way in flight; SIGTERM 0.2 s after they started");
        figures.Add("held", $"{transfers} of {transfers} finished byte for byte ({verified / (1024 * 1024)} MiB echoed), bytes lost 0; exit status 0, {drained.TotalSeconds:0.00} s after the signal");
    });
}
