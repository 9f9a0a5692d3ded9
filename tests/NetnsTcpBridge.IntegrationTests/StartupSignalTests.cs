using System.Net;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// A documented signal never kills a part by its default action, whenever it comes: one that
/// arrives while the bridge is still starting is kept and acted on once the bridge is up (a stop
/// signal stops it cleanly with exit 0; SIGUSR1 writes the counters and the bridge goes on).
/// </summary>
public sealed class StartupSignalTests : IntegrationTest
{
    public StartupSignalTests(ITestOutputHelper output)
        : base(output)
    {
    }

    /// <summary>Starts per signal; four signals make the 200 starts.</summary>
    private const int StartsPerSignal = 50;

    /// <summary>The signals reach the bridge at a random moment within this time from its start.</summary>
    private const int SignalWindowMilliseconds = 100;

    /// <summary>
    /// Sent to the whole process group (both parts, and the connector while it is being spawned)
    /// at a random moment of the first 100 ms. Every start stops cleanly; with SIGUSR1 every start
    /// writes its counters and serves. The bridge is started as a careful service manager does,
    /// with the signals blocked: the kernel's exec and the dynamic loader run before any code of
    /// the bridge can, and no program can guard those microseconds itself.
    /// </summary>
    [NamespaceTheory]
    [InlineData(Native.SIGTERM)]
    [InlineData(Native.SIGINT)]
    [InlineData(Native.SIGHUP)]
    [InlineData(Native.SIGUSR1)]
    public Task SignalToBothPartsAtAnyMomentOfStartUp_NeverKillsAPart(int signal) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var random = new Random(signal);
        for (int start = 0; start < StartsPerSignal; start++)
        {
            int port = 8000 + start;
            using var bridge = BridgeProcess.Start(
                ["-l", $"127.0.0.1:{port}", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name, "--drain-timeout", "5"],
                asServiceManager: true);
            await Task.Delay(random.Next(SignalWindowMilliseconds));
            bridge.SignalGroup(signal);
            string moment = $"start {start + 1} of {StartsPerSignal}, signal {signal}";
            if (signal == Native.SIGUSR1)
            {
                await listenSide.WaitForListenerAsync(port, bridge);
                await AssertEchoesAsync(listenSide, Loopback(port), seed: start, length: 1000);
                await WaitForStatsLineAsync(bridge, moment);
                bridge.Signal(Native.SIGTERM);
            }

            var status = await bridge.WaitForExitAsync(StepTimeout);
            Assert.True(status == new ExitStatus(0, 0), $"{moment}: expected a clean stop, got {status}: {bridge.Describe()}");
            Assert.DoesNotContain(": error:", bridge.Stderr, StringComparison.Ordinal);
        }
    }, timeout: TimeSpan.FromMinutes(3));

    /// <summary>
    /// Started the way a shell starts it (no signal blocked), the executable blocks the documented
    /// signals before the runtime creates its first thread: the runtime's own threads (finalizer,
    /// signal dispatcher) carry the blocked mask, so a signal can only be taken by the main thread,
    /// and only once the handlers are in place.
    /// </summary>
    [NamespaceFact]
    public Task StartedWithoutABlockedSignal_TheRuntimeThreadsStillBlockThem() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();

        const ulong documented = (1UL << (Native.SIGHUP - 1)) | (1UL << (Native.SIGINT - 1)) | (1UL << (Native.SIGUSR1 - 1)) | (1UL << (Native.SIGTERM - 1));
        foreach (int pid in (int[])[bridge.Pid, connector])
        {
            // The listener sets up with them blocked, then takes them in the image it becomes.
            var deadline = DateTime.UtcNow + StepTimeout;
            while ((ProcFs.ThreadSignalMasks(pid)[pid].Blocked & documented) != 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10);
            }

            var threads = ProcFs.ThreadSignalMasks(pid);
            Assert.Equal(0UL, threads[pid].Blocked & documented); // the main thread takes them
            var runtimeThreads = threads.Where(thread => thread.Value.Name is ".NET Finalizer" or ".NET SigHandler").ToList();
            Assert.NotEmpty(runtimeThreads);
            Assert.All(runtimeThreads, thread => Assert.Equal(documented, thread.Value.Blocked & documented));
        }
    });

    private static async Task WaitForStatsLineAsync(BridgeProcess bridge, string moment)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (!bridge.Stderr.Contains("stats: active", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{moment}: no counters were written: {bridge.Describe()}");
            Assert.False(bridge.HasExited, $"{moment}: the bridge ended: {bridge.Describe()}");
            await Task.Delay(10);
        }
    }

    [NamespaceFact]
    public Task SigtermWhileResolvingTheTarget_StopsCleanlyOnceStarted_ExitZero() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();

        // Start-up is held in the host-name lookup: the first nameserver never answers (2 s),
        // the second does. The listening socket exists before the lookup starts.
        Track(DnsResponder.StartSilent(connectSide, IPAddress.Parse("127.0.0.54")));
        Track(DnsResponder.Start(connectSide, IPAddress.Parse("127.0.0.53"), new Dictionary<string, IPAddress[]> { ["backend.test"] = [IPAddress.Loopback] }));
        Track(new EtcNetnsFiles(connectSide)).Write("resolv.conf", "nameserver 127.0.0.54\nnameserver 127.0.0.53\noptions timeout:2 attempts:1\n");

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend.test:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        Assert.Empty(ProcFs.Children(bridge.Pid)); // still resolving: no connector yet
        bridge.Signal(Native.SIGTERM);

        var status = await bridge.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(status == new ExitStatus(0, 0), $"expected a clean stop, got {status}: {bridge.Describe()}");
        Assert.Contains("SIGTERM: no new clients", bridge.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("connector]: error", bridge.Stderr, StringComparison.Ordinal);
    });
}
