using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Reliability.Infrastructure;

namespace NetnsTcpBridge.Reliability;

/// <summary>Slowloris: thousands of clients that send a byte now and then and never finish.</summary>
public sealed class SlowClientTests : ReliabilityTest
{
    private const string GoodHeader = "PROXY TCP4 192.0.2.1 192.0.2.2 1000 2000\r\n";

    public SlowClientTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>
    /// 5,000 clients send one byte every 10 s: with --idle-timeout 3 each is reset once 3 s pass
    /// without a byte; with --accept-proxy-timeout 2 each is reset when its PROXY header is not
    /// complete after 2 s. Meanwhile the bridge's memory stays small, its descriptors grow by two
    /// per client at most, an unrelated echo is served, and afterwards everything is released.
    /// </summary>
    [ReliabilityTheory]
    [InlineData("idle-timeout")]
    [InlineData("accept-proxy-timeout")]
    public Task Slowloris_ThousandsOfTricklingClients_ResetByTheTimeoutOthersServed(string limit) => WithTimeout(TimeSpan.FromMinutes(4), async () =>
    {
        var figures = new Figures(Output, $"bounds: slowloris against --{limit}");
        int clients = Profile.Setting("NTB_SLOWLORIS", 5000, 5000);
        bool proxy = limit == "accept-proxy-timeout";
        double timeoutSeconds = proxy ? 2 : 3;
        var relay = await StartRelayAsync(proxy ? ["--accept-proxy", "--accept-proxy-timeout", "2"] : ["--idle-timeout", "3"]);
        StartEchoServer(relay.ConnectSide, Relay.Target);
        string header = proxy ? GoodHeader : string.Empty;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(i => EchoAsync(relay, header, i)));
        var baseline = await BaselineAsync(relay);

        var group = Track(SocketGroup.Create(relay.ListenSide, clients));
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(group.Sockets.Select(socket => socket.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout)));
        var connected = clock.Elapsed;

        // One byte now, then one every 10 s: a PROXY header (or a request) that never ends.
        byte[] first = Encoding.ASCII.GetBytes(proxy ? "P" : "x");
        var endings = group.Sockets.Select(async socket =>
        {
            var ending = Outcome.ReadToEndingAsync(socket);
            try
            {
                await socket.SendAllAsync(first);
                while (await Task.WhenAny(ending, Task.Delay(10_000)) != ending)
                {
                    await socket.SendAllAsync(first);
                }
            }
            catch (SocketException)
            {
                // The reset reached the send first.
            }

            var result = await ending.WaitAsync(StepTimeout);
            return (result.Ending, clock.Elapsed);
        }).ToArray();

        // The peak, sampled while the clients are held.
        var held = relay.Sample();
        var sampling = Task.Run(async () =>
        {
            while (!endings.All(e => e.IsCompleted))
            {
                var sample = relay.Sample();
                if (sample.ConnectorFds > held.ConnectorFds)
                {
                    held = sample;
                }

                await Task.Delay(200);
            }
        });
        const int echoes = 5;
        await Task.WhenAll(Enumerable.Range(100, echoes).Select(i => EchoAsync(relay, header, i)));
        var results = await Task.WhenAll(endings);
        await sampling;
        var lastEnded = results.Max(r => r.Elapsed);
        group.Dispose();
        var after = await AssertDescriptorsBackToBaselineAsync(relay, baseline, $"after {clients} slow clients were reset");
        int reset = results.Count(r => r.Ending == Ending.Reset);

        figures.Add("offered", $"{clients} clients connected in {Figures.Seconds(connected)}, each sending one byte every 10 s; --{limit} {timeoutSeconds} s; {echoes} echoes meanwhile");
        figures.Add("ended", $"{reset} of {clients} reset, the last {Figures.Seconds(lastEnded)} after the first connect; {echoes} of {echoes} echoes served meanwhile");
        figures.Add("at the peak", $"{held}");
        figures.Add("memory (PSS both parts)", $"{Figures.Mib(baseline.PssKiB)} -> {Figures.Mib(held.PssKiB)} at the peak -> {Figures.Mib(after.PssKiB)} after; descriptors connector {baseline.ConnectorFds} -> {held.ConnectorFds} -> {after.ConnectorFds}");

        Assert.Equal(clients, reset);

        // "Fail fast": the timeout plus the time to connect them all, plus a generous 10 s.
        Assert.True(lastEnded < connected + TimeSpan.FromSeconds(timeoutSeconds + 10), $"the last slow client was reset {Figures.Seconds(lastEnded)} after the first connect; --{limit} is {timeoutSeconds} s");
        // The peak may be sampled while the echoes are open: two descriptors each too.
        Assert.True(held.ConnectorOtherFds <= baseline.ConnectorOtherFds + (2 * (clients + echoes)) + 8, $"connector descriptors other than pipes {baseline.ConnectorOtherFds} -> {held.ConnectorOtherFds} with {clients} slow clients and {echoes} echoes; expected at most two per client");
        Assert.True(held.PssKiB - baseline.PssKiB <= MemoryBound.Scaled(16 * 1024), $"PSS grew by {Figures.Mib(held.PssKiB - baseline.PssKiB)} for {clients} slow clients");
    });

    private static async Task EchoAsync(Relay relay, string header, int seed)
    {
        using var client = await relay.ListenSide.ConnectAsync(Relay.Entry).WaitAsync(StepTimeout);
        byte[] payload = SocketIo.Payload(seed, 20_000);
        byte[] echoed = await client.EchoRoundTripAsync([.. Encoding.ASCII.GetBytes(header), .. payload]).WaitAsync(StepTimeout);
        SocketIo.AssertSameBytes(payload, echoed, $"echo {seed} while slow clients are held");
    }
}
