using System.Net;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// A stop signal that arrives while the bridge is still starting is kept and acted on once the
/// bridge is up: it stops cleanly (exit 0), rather than dying by the signal and leaving its
/// connectors to report a vanished listener.
/// </summary>
public sealed class StartupSignalTests : IntegrationTest
{
    public StartupSignalTests(ITestOutputHelper output)
        : base(output)
    {
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
