using System.Net;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// The one-word namespace forms (`--listen-netns`/`--connect-netns`: an `ip netns` name or
/// pid:PID) and host names on the connect side, resolved inside the connect netns.
/// </summary>
public sealed class NamespaceNameAndHostTests : IntegrationTest
{
    public NamespaceNameAndHostTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task NetnsByIpNetnsNameOnBothSides_Relays() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 31);
    });

    [NamespaceFact]
    public Task NetnsByPidOnBothSides_Relays() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var listenProcess = await StartSleeperAsync(listenSide);
        var connectProcess = await StartSleeperAsync(connectSide);

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", $"pid:{listenProcess.Pid}", "-c", "127.0.0.1:9000", "--connect-netns", $"pid:{connectProcess.Pid}"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 32);
    });

    /// <summary>
    /// pid:PID@STARTTIME accepts only the process that started then: the same PID with another
    /// start time (as after a restart, when another process may hold it) is refused; the right one
    /// relays, and the start log line gives the PID, its start time and the namespace.
    /// </summary>
    [NamespaceFact]
    public Task NetnsByPidWithStartTime_OnlyThatProcessIsAccepted() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var connectProcess = await StartSleeperAsync(connectSide);
        string startTime = File.ReadAllText($"/proc/{connectProcess.Pid}/stat").Split(')')[^1].Trim().Split(' ')[22 - 3];
        string wrong = (ulong.Parse(startTime, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (status, refused) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", $"pid:{connectProcess.Pid}@{wrong}"]);
        Assert.True(status == new ExitStatus(1, 0), refused.Describe());
        Assert.Contains($"names pid {connectProcess.Pid} started at {wrong}, but pid {connectProcess.Pid} now is a process started at {startTime}", refused.Stderr, StringComparison.Ordinal);

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", $"pid:{connectProcess.Pid}@{startTime}"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 34);
        Assert.Contains($"connect netns: pid {connectProcess.Pid}, started at {startTime} (give pid:{connectProcess.Pid}@{startTime} to accept no other process), {connectSide.Identity}", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task HostNameAnsweredByEtcNetnsHostsOfTheConnectNetns_IsResolvedThereAndEachAddressTriedInOrder() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, new IPEndPoint(IPAddress.Parse("127.0.0.10"), 9000));

        // The first address refuses (nothing listens on 127.0.0.9 in the connect netns), the second
        // answers. (Both share as long a prefix with the source 127.0.0.1, so glibc's address sorting
        // keeps the file's order, as it would for any program.)
        string hostsDirectory = $"/etc/netns/{connectSide.Name}";
        Directory.CreateDirectory(hostsDirectory);
        try
        {
            File.WriteAllText($"{hostsDirectory}/hosts", "127.0.0.9 backend.test\n127.0.0.10 backend.test\n");

            var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "backend.test:9000", "--connect-netns", connectSide.Name, "-v"]);
            await listenSide.WaitForListenerAsync(8000, bridge);

            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 33);
            Assert.Contains("backend.test resolved to 127.0.0.9:9000, 127.0.0.10:9000", bridge.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(hostsDirectory, recursive: true);
        }
    });

    [NamespaceFact]
    public Task UnknownNetnsName_ExitsOneNamingWhatWasLookedUp() => WithTimeout(async () =>
    {
        string name = $"ntb-absent-{Environment.ProcessId}";
        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", name, "-c", "127.0.0.1:9000"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        Assert.Contains($"/run/netns/{name}", bridge.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task DeadPid_ExitsOneNamingThePid() => WithTimeout(async () =>
    {
        // A pid that cannot exist: above the kernel's pid_max.
        int pid = int.Parse(File.ReadAllText("/proc/sys/kernel/pid_max").Trim(), System.Globalization.CultureInfo.InvariantCulture) + 1;
        // Listening in a namespace of its own: the socket is bound before the connect netns is
        // opened, and a port of the test machine's own namespace may be taken by another test.
        var listenSide = CreateNamespace();
        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "--connect-netns", $"pid:{pid}", "-c", "127.0.0.1:9000"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        Assert.Contains($"no process with pid {pid}", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task UnresolvableHostName_ExitsOneNamingTheHost() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "no-such-host.invalid:9000", "--connect-netns", connectSide.Name]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        Assert.Contains("cannot resolve host 'no-such-host.invalid'", bridge.Stderr, StringComparison.Ordinal);
    });
}
