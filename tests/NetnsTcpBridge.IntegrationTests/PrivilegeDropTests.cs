using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// --user: both parts run as that user, with no capability, once set up, and still relay;
/// --unix-owner: the owner of a listening socket file.
/// </summary>
public sealed class PrivilegeDropTests : IntegrationTest
{
    // Debian's nobody and nogroup.
    private const string Nobody = "65534";

    public PrivilegeDropTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task User_BothPartsRunAsThatUserWithoutCapabilities_AndStillRelay() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name,
            "--user", "nobody:nogroup"]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();

        await WaitUntilBothPartsRunAsNobodyFilteredAsync(bridge, connector);
        AssertUnprivileged(bridge.Pid);
        AssertUnprivileged(connector);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 91);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 92);

        // Stopping needs no privilege either: the listener signals the connector, now the same user.
        bridge.Signal(Native.SIGTERM);
        Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
        Assert.True(await ProcFs.WaitUntilEndedAsync(connector, StepTimeout), $"the connector (pid {connector}) outlived the listener");
    });

    /// <summary>
    /// UDP under --user: flows begin only once both parts have dropped (a socket and a connect
    /// each, which need no privilege), and the relay's own thread holds no capability either.
    /// </summary>
    [NamespaceFact]
    public Task User_UdpFlowsStartedAfterTheDrop_Relay_AndEveryThreadIsUnprivileged() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        Track(UdpEchoServer.Start(connectSide, Loopback(9053)));
        var bridge = StartBridge(["-l", "udp:127.0.0.1:5300", "--listen-netns", listenSide.Name, "-c", "udp:127.0.0.1:9053", "--connect-netns", connectSide.Name,
            "--user", "nobody:nogroup"]);
        await listenSide.WaitForUdpSocketAsync(5300, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        await WaitUntilBothPartsRunAsNobodyFilteredAsync(bridge, connector);

        for (int client = 0; client < 3; client++)
        {
            using var socket = listenSide.ConnectUdp(Loopback(5300));
            byte[] payload = SocketIo.Payload(client + 1, 500);
            await socket.SendAsync(payload, SocketFlags.None);
            byte[] reply = new byte[1000];
            int length = await socket.ReceiveAsync(reply, SocketFlags.None).WaitAsync(StepTimeout);
            Assert.Equal(payload, reply[..length]);
        }

        Assert.Contains(ThreadStatuses(connector), thread => thread.Status.GetValueOrDefault("Name") == "udp relay");
        AssertUnprivileged(bridge.Pid);
        AssertUnprivileged(connector);
    });

    [NamespaceFact]
    public Task User_Unknown_ExitsTwoWithOneLine() => WithTimeout(async () =>
    {
        var (status, bridge) = await RunBridgeToEndAsync(["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "--user", "ntb-no-such-user"]);

        Assert.True(status == new ExitStatus(2, 0), bridge.Describe());
        string line = Assert.Single(bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("no user named 'ntb-no-such-user'", line, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task UnixOwnerAndUser_SocketFileBelongsToTheUser_Relays_AndIsRemovedAtExitFromTheUsersDirectory() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string directory = CreateDirectory(owner: $"{Nobody}:{Nobody}", mode: "755");
        string path = Path.Combine(directory, "front.sock");
        try
        {
            var bridge = StartBridge(["-l", $"unix:{path}", "--unix-owner", "nobody:nogroup", "--unix-mode", "660",
                "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name, "--user", "nobody"]);
            using (var client = await ConnectUnixWhenReadyAsync(path, bridge))
            {
                Assert.Equal($"{Nobody}:{Nobody}:660", await StatAsync(path));
                byte[] payload = SocketIo.Payload(93, 50_000);
                SocketIo.AssertSameBytes(payload, await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo from a UNIX path socket owned by nobody");
            }

            await WaitForStatusAsync(bridge.Pid, "Uid", $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", bridge);
            bridge.Signal(Native.SIGTERM);
            Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
            Assert.False(File.Exists(path), $"the bridge, now nobody, may write the directory and must remove its socket file: {bridge.Describe()}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    [NamespaceFact]
    public Task User_SocketFileInADirectoryTheUserCannotWrite_StaysWithAWarning_AndTheNextStartReplacesIt() => WithTimeout(async () =>
    {
        string directory = CreateDirectory(owner: "0:0", mode: "755");
        string path = Path.Combine(directory, "front.sock");
        try
        {
            var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000", "--user", "nobody"]);
            (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();
            await WaitForStatusAsync(bridge.Pid, "Uid", $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", bridge);
            bridge.Signal(Native.SIGTERM);
            Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
            Assert.True(File.Exists(path), "nobody may not write the directory, so the file stays");
            Assert.Contains($"cannot remove the socket file unix:{path} at exit: Permission denied", bridge.Stderr, StringComparison.Ordinal);

            var again = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);
            (await ConnectUnixWhenReadyAsync(path, again)).Dispose();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    /// <summary>
    /// The serving listener removes its socket file through the directory opened at start, so the
    /// user needs write access to that directory only, not a way through the directories above it.
    /// </summary>
    [NamespaceFact]
    public Task User_SocketFileUnderAParentTheUserCannotEnter_IsStillRemovedAtExit() => WithTimeout(async () =>
    {
        string parent = CreateDirectory(owner: "0:0", mode: "700");
        string directory = Path.Combine(parent, "run");
        Directory.CreateDirectory(directory);
        Run("chown", $"{Nobody}:{Nobody}", directory);
        string path = Path.Combine(directory, "front.sock");
        try
        {
            var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000", "--user", "nobody"]);
            (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();
            await WaitForStatusAsync(bridge.Pid, "Uid", $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", bridge);
            bridge.Signal(Native.SIGTERM);
            Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
            Assert.False(File.Exists(path), $"nobody may write the socket's directory, and must remove the file: {bridge.Describe()}");
        }
        finally
        {
            Directory.Delete(parent, recursive: true);
        }
    });

    [NamespaceFact]
    public Task UnixOwner_GroupOnly_ChangesTheGroupAndKeepsTheOwner() => WithTimeout(async () =>
    {
        string directory = CreateDirectory(owner: "0:0", mode: "700");
        string path = Path.Combine(directory, "front.sock");
        try
        {
            var bridge = StartBridge(["-l", $"unix:{path}", "--unix-owner", ":nogroup", "--unix-mode", "0640", "-c", "127.0.0.1:9000"]);
            (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();

            Assert.Equal($"0:{Nobody}:640", await StatAsync(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    /// <summary>
    /// Least privilege by default: without --user both parts keep uid 0 but hold no capability
    /// once serving, on every thread (and no_new_privs, an empty bounding set), and still relay;
    /// the process keeps its name for ps and pgrep.
    /// </summary>
    [NamespaceFact]
    public Task WithoutUser_BothPartsServeWithoutAnyCapability_OnEveryThread() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 95);

        foreach (int pid in new[] { bridge.Pid, connector })
        {
            // The listener serves from its second image, which names itself first thing; wait for it.
            await WaitForStatusAsync(pid, "CapEff", "0000000000000000", bridge);
            await WaitForStatusAsync(pid, "Name", "netns_tcp_bridg", bridge);
            await WaitForStatusAsync(pid, "Seccomp", SeccompFilterMode, bridge);
            foreach (var (thread, status) in ThreadStatuses(pid))
            {
                string where = $"pid {pid} thread {Path.GetFileName(thread)} ({status.GetValueOrDefault("Name")})";
                foreach (string set in (string[])["CapPrm", "CapEff", "CapInh", "CapAmb", "CapBnd"])
                {
                    Assert.True(status[set] == "0000000000000000", $"{where}: {set} {status[set]}");
                }

                Assert.True(status["NoNewPrivs"] == "1", $"{where}: NoNewPrivs {status["NoNewPrivs"]}");
                Assert.True(status["Seccomp"] == SeccompFilterMode, $"{where}: Seccomp {status["Seccomp"]}, not under the system call filter");
            }
        }

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 96);
    });

    /// <summary>
    /// As the example systemd unit starts it (DynamicUser=, AmbientCapabilities=CAP_SYS_ADMIN,
    /// NoNewPrivileges=): a user of its own holding only the capability that entering a namespace
    /// needs. Both parts serve, in their namespaces, without it and under the system call filter.
    /// </summary>
    [NamespaceFact]
    public Task UnprivilegedUserWithOnlyCapSysAdmin_ServesWithoutIt() => WithTimeout(async () =>
    {
        const string ServiceUser = "61234";
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string[] asTheUnitDoes = ["setpriv", $"--reuid={ServiceUser}", $"--regid={ServiceUser}", "--clear-groups", "--inh-caps=+sys_admin", "--ambient-caps=+sys_admin", "--no-new-privs", "--"];
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name], launcher: asTheUnitDoes);
        await listenSide.WaitForListenerAsync(8000, bridge);
        int connector = await bridge.WaitForConnectorAsync();
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 97);

        foreach (int pid in new[] { bridge.Pid, connector })
        {
            await WaitForStatusAsync(pid, "Seccomp", SeccompFilterMode, bridge);
            foreach (var (thread, status) in ThreadStatuses(pid))
            {
                string where = $"pid {pid} thread {Path.GetFileName(thread)} ({status.GetValueOrDefault("Name")})";
                Assert.True(status["Uid"] == $"{ServiceUser}\t{ServiceUser}\t{ServiceUser}\t{ServiceUser}", $"{where}: Uid {status["Uid"]}");
                foreach (string set in (string[])["CapPrm", "CapEff", "CapAmb"])
                {
                    Assert.True(status[set] == "0000000000000000", $"{where}: {set} {status[set]}");
                }

                Assert.True(status["Seccomp"] == SeccompFilterMode, $"{where}: Seccomp {status["Seccomp"]}");
            }
        }

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 98);
    });

    /// <summary>Uid, Gid, groups, capability sets and no_new_privs of every thread of <paramref name="pid"/>.</summary>
    private void AssertUnprivileged(int pid)
    {
        var threads = ThreadStatuses(pid);
        Assert.NotEmpty(threads);
        foreach (var (thread, status) in threads)
        {
            string where = $"pid {pid} thread {Path.GetFileName(thread)} ({status.GetValueOrDefault("Name")})";
            Output.WriteLine($"{where}: Uid {status["Uid"]}, Gid {status["Gid"]}, Groups {status["Groups"]}, CapPrm {status["CapPrm"]}, CapEff {status["CapEff"]}, NoNewPrivs {status["NoNewPrivs"]}");
            Assert.True(status["Uid"] == $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", $"{where}: Uid {status["Uid"]}");
            Assert.True(status["Gid"] == $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", $"{where}: Gid {status["Gid"]}");
            Assert.True(status["Groups"] == Nobody, $"{where}: Groups {status["Groups"]}");
            Assert.True(status["CapPrm"] == "0000000000000000", $"{where}: CapPrm {status["CapPrm"]}");
            Assert.True(status["CapEff"] == "0000000000000000", $"{where}: CapEff {status["CapEff"]}");
            Assert.True(status["CapAmb"] == "0000000000000000", $"{where}: CapAmb {status["CapAmb"]}");
            Assert.True(status["NoNewPrivs"] == "1", $"{where}: NoNewPrivs {status["NoNewPrivs"]}");
            Assert.True(status["Seccomp"] == SeccompFilterMode, $"{where}: Seccomp {status["Seccomp"]}, not under the system call filter");
        }
    }

    /// <summary>/proc/PID/status's Seccomp value for a thread under a filter (SECCOMP_MODE_FILTER).</summary>
    private const string SeccompFilterMode = "2";

    private static async Task WaitForStatusAsync(int pid, string key, string expected, BridgeProcess bridge)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        string? value;
        while ((value = ReadStatus($"/proc/{pid}/status").GetValueOrDefault(key)) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"pid {pid}: {key} is '{value}', expected '{expected}': {bridge.Describe()}");
            Assert.False(ProcFs.HasEnded(pid), $"pid {pid} ended: {bridge.Describe()}");
            await Task.Delay(20);
        }
    }

    /// <summary>Each thread of <paramref name="pid"/> with its status; a thread that ended meanwhile is left out.</summary>
    private static List<(string Thread, Dictionary<string, string> Status)> ThreadStatuses(int pid)
    {
        var statuses = new List<(string, Dictionary<string, string>)>();
        foreach (string thread in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            try
            {
                statuses.Add((thread, ReadStatus(Path.Combine(thread, "status"))));
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                // The thread ended between the listing and the read.
            }
        }

        return statuses;
    }

    private static Dictionary<string, string> ReadStatus(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Split(':', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim());

    private static string CreateDirectory(string owner, string mode)
    {
        string directory = Directory.CreateTempSubdirectory("ntb-owner-").FullName;
        Run("chown", owner, directory);
        Run("chmod", mode, directory);
        return directory;
    }

    private static async Task<string> StatAsync(string path)
    {
        var stat = await ExternalProcess.RunAsync(StepTimeout, "stat", "--format", "%u:%g:%a", path);
        Assert.True(stat.ExitCode == 0, stat.ToString());
        return stat.Stdout.Trim();
    }

    // Each part drops once set up, a moment after its socket listens.
    private static async Task WaitUntilBothPartsRunAsNobodyFilteredAsync(BridgeProcess bridge, int connector)
    {
        foreach (int pid in new[] { bridge.Pid, connector })
        {
            await WaitForStatusAsync(pid, "Uid", $"{Nobody}\t{Nobody}\t{Nobody}\t{Nobody}", bridge);
            await WaitForStatusAsync(pid, "Seccomp", SeccompFilterMode, bridge);
        }
    }

    private static void Run(string file, params string[] arguments)
    {
        var result = ExternalProcess.Run(StepTimeout, file, arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
