using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// UNIX stream sockets on either side: abstract names (which belong to a network namespace) and
/// path sockets (which belong to the file system).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnixSocketTests : IntegrationTest
{
    public UnixSocketTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task TcpToAbstractUnixInAnotherNetns_Relays() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        string name = UniqueName("back");
        Track(EchoServer.StartUnix(connectSide, Abstract(name)));

        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", $"unix:@{name}", "--connect-netns", connectSide.Name]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 61);
    });

    /// <summary>
    /// A UNIX target sees the connector's credentials: without --user that is root, which services
    /// that trust their peer's uid (MariaDB, D-Bus, Docker) take as root. The bridge says so at
    /// start, in one line naming the target; with --user it does not.
    /// </summary>
    [NamespaceTheory]
    [InlineData(false)]
    [InlineData(true)]
    public Task UnixTarget_WithoutUser_WarnsThatTheTargetSeesRoot(bool withUser) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        string name = UniqueName("peer");
        Track(EchoServer.StartUnix(connectSide, Abstract(name)));
        string[] user = withUser ? ["--user", "nobody:nogroup"] : [];
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", $"unix:@{name}", "--connect-netns", connectSide.Name, .. user]);
        await listenSide.WaitForListenerAsync(8000, bridge);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 63);

        string expected = $"the target unix:@{name} sees every client as root";
        if (withUser)
        {
            Assert.DoesNotContain(expected, bridge.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(expected, bridge.Stderr, StringComparison.Ordinal);
        }
    });

    [NamespaceFact]
    public Task AbstractUnixToAbstractUnix_AcrossTwoNetns_Relays_AndTheFrontNameExistsOnlyInTheListenNetns() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        string front = UniqueName("front");
        string back = UniqueName("back");
        Track(EchoServer.StartUnix(connectSide, Abstract(back)));

        var bridge = StartBridge(["-l", $"unix:@{front}", "--listen-netns", listenSide.Name, "-c", $"unix:@{back}", "--connect-netns", connectSide.Name]);
        using var client = await ConnectUnixWhenReadyAsync(listenSide, Abstract(front), bridge);

        byte[] payload = SocketIo.Payload(62, 100_000);
        SocketIo.AssertSameBytes(payload, await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo over abstract UNIX sockets in two namespaces");
        var elsewhere = connectSide.Enter(() => new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified));
        using (elsewhere)
        {
            var refused = Assert.Throws<SocketException>(() => elsewhere.Connect(Abstract(front)));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    });

    /// <summary>
    /// A socket-file target is looked up in the directory the bridge opened at start: a directory
    /// of its path renamed, and another put in its place with a socket of the same name, does not
    /// take the clients.
    /// </summary>
    [NamespaceFact]
    public Task UnixPathTarget_DirectoryReplacedAfterStart_ClientsStillReachTheSocketOfTheOriginalDirectory() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        string root = Directory.CreateTempSubdirectory("ntb-target-").FullName;
        try
        {
            string original = Path.Combine(root, "run");
            Directory.CreateDirectory(original);
            var first = Track(EchoServer.StartUnix(listenSide, new UnixDomainSocketEndPoint(Path.Combine(original, "app.sock"))));
            var bridge = StartBridge(["-l", "127.0.0.1:8000", "--listen-netns", listenSide.Name, "-c", $"unix:{Path.Combine(original, "app.sock")}"]);
            await listenSide.WaitForListenerAsync(8000, bridge);
            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 64);

            Directory.Move(original, Path.Combine(root, "moved"));
            Directory.CreateDirectory(original);
            var impostor = Track(EchoServer.StartUnix(listenSide, new UnixDomainSocketEndPoint(Path.Combine(original, "app.sock"))));
            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 65);

            Assert.Equal(2, first.AcceptedCount);
            Assert.Equal(0, impostor.AcceptedCount);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    });

    /// <summary>
    /// The socket file is created with its --unix-mode by bind itself (never chmod'ed by path
    /// afterwards), and a symlink planted at the path is never followed: the bridge refuses it
    /// and the file it points to keeps its mode.
    /// </summary>
    [NamespaceFact]
    public Task UnixPathListener_SymlinkAtThePath_IsRefused_ItsTargetUntouched() => WithTimeout(async () =>
    {
        string directory = Directory.CreateTempSubdirectory("ntb-unix-").FullName;
        try
        {
            string target = Path.Combine(directory, "precious");
            File.WriteAllText(target, "do not chmod me");
            File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            string path = Path.Combine(directory, "front.sock");
            File.CreateSymbolicLink(path, target);

            var (status, bridge) = await RunBridgeToEndAsync(["-l", $"unix:{path}", "--unix-mode", "666", "-c", "127.0.0.1:9000"]);

            Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
            Assert.Contains("exists and is not a socket", bridge.Stderr, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(target));
            Assert.Equal("do not chmod me", File.ReadAllText(target));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    [NamespaceFact]
    public Task UnixPathListener_ReplacesAStaleSocketFile_GetsItsMode_RelaysToTcp_AndRemovesItsFileOnExit() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string directory = Directory.CreateTempSubdirectory("ntb-unix-").FullName;
        try
        {
            string path = Path.Combine(directory, "front.sock");
            StaleSocketFile.Leave(path);

            var bridge = StartBridge(["-l", $"unix:{path}", "--unix-mode", "600", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
            using (var client = await ConnectUnixWhenReadyAsync(null, new UnixDomainSocketEndPoint(path), bridge))
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
                byte[] payload = SocketIo.Payload(63, 50_000);
                SocketIo.AssertSameBytes(payload, await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo from a UNIX path socket to TCP");
            }

            bridge.Signal(Native.SIGTERM);
            Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
            Assert.False(File.Exists(path), "the bridge must remove the socket file it created");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    [NamespaceFact]
    public Task UnixPathListener_OnARegularFile_ExitsOneAndLeavesTheFile() => WithTimeout(async () =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"ntb-regular-{Environment.ProcessId}-{Guid.NewGuid():N}");
        File.WriteAllText(path, "not a socket");
        try
        {
            var (status, bridge) = await RunBridgeToEndAsync(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);
            Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
            Assert.Contains("is not a socket", bridge.Stderr, StringComparison.Ordinal);
            Assert.Equal("not a socket", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    });

    private static UnixDomainSocketEndPoint Abstract(string name) => new("\0" + name);

    private static string UniqueName(string role) => $"ntb-{role}-{Environment.ProcessId}-{Guid.NewGuid():N}";
}
