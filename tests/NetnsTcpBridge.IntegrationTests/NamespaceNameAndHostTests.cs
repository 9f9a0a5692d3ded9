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
        Assert.Contains($"connect netns: pid {connectProcess.Pid}, started at {startTime}, {connectSide.Identity} (give pid:{connectProcess.Pid}@{startTime}={connectSide.Identity} to accept no other process or namespace)", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>
    /// NETNS=net:[INODE] accepts only the namespace with that inode, whether the namespace is named
    /// by PID or by name: another namespace behind the same PID or name is refused in one line
    /// naming both inodes; the right one relays.
    /// </summary>
    [NamespaceFact]
    public Task NetnsWithExpectedInode_OnlyThatNamespaceIsAccepted() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var connectProcess = await StartSleeperAsync(connectSide);
        string startTime = File.ReadAllText($"/proc/{connectProcess.Pid}/stat").Split(')')[^1].Trim().Split(' ')[22 - 3];
        string other = listenSide.Identity;

        foreach (string spec in (string[])[$"pid:{connectProcess.Pid}@{startTime}={other}", $"pid:{connectProcess.Pid}={other}", $"{connectSide.Name}={other}"])
        {
            var (status, refused) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", spec]);
            Assert.True(status == new ExitStatus(1, 0), refused.Describe());
            Assert.Contains($" is {connectSide.Identity}, not {other} as given", refused.Stderr, StringComparison.Ordinal);
            Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains("not net:[", StringComparison.Ordinal));
            Assert.DoesNotContain("   at ", refused.Stderr, StringComparison.Ordinal);
        }

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", $"{listenSide.Name}={listenSide.Identity}", "-c", "127.0.0.1:9000", "--connect-netns", $"pid:{connectProcess.Pid}@{startTime}={connectSide.Identity}"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 36);
    });

    /// <summary>A host name with 300 addresses: the first 16 are kept, and the bridge starts.</summary>
    [NamespaceFact]
    public Task HostNameWithThreeHundredAddresses_KeepsTheFirstSixteen() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, new IPEndPoint(IPAddress.Any, 9000));
        string hosts = string.Concat(Enumerable.Range(0, 300).Select(i => $"127.0.{1 + (i / 250)}.{1 + (i % 250)} many.test\n"));
        Track(new EtcNetnsFiles(connectSide)).Write("hosts", hosts);

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "many.test:9000", "--connect-netns", connectSide.Name, "-v"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 35);
        Assert.Contains("many.test has 300 addresses: keeping the first 16", bridge.Stderr, StringComparison.Ordinal);
        string resolved = bridge.Stderr.Split('\n').Single(line => line.Contains("many.test resolved to", StringComparison.Ordinal));
        Assert.Equal(16, resolved.Split(", ").Length);
    });

    /// <summary>
    /// Several addresses that never answer: no new one is tried once two connect timeouts have
    /// passed, so the client is reset after at most three, not one per address.
    /// </summary>
    [NamespaceFact]
    public Task ManyAddressesThatNeverAnswer_ClientIsResetWithoutTryingThemAll() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();

        // A listener on every loopback address whose accept queue is full drops every further SYN.
        Track(connectSide.Listen(new IPEndPoint(IPAddress.Any, 9000), backlog: 1));
        await ConnectAsync(connectSide, Loopback(9000));
        await ConnectAsync(connectSide, Loopback(9000));
        Track(new EtcNetnsFiles(connectSide)).Write("hosts", string.Concat(Enumerable.Range(2, 8).Select(i => $"127.0.0.{i} silent.test\n")));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "silent.test:9000", "--connect-netns", connectSide.Name, "--connect-timeout", "1"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        var reset = await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(async () =>
        {
            var client = await ConnectAsync(listenSide, Loopback(8000));
            await client.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });
        Assert.Equal(System.Net.Sockets.SocketError.ConnectionReset, reset.SocketErrorCode);
        await LogLines.WaitForLineAsync(() => bridge.Stderr, line => line.Contains("more address(es) not tried after", StringComparison.Ordinal), StepTimeout, "the connect failure naming the addresses left untried");
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
