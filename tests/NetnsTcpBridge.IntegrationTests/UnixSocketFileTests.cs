using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// The file of a listening <c>unix:/path</c> socket, in a directory that someone else may write:
/// the bridge reaches it only through the directory it opened at start, and at exit removes the
/// socket file it made and nothing else: not a symlink put at its name, not what a symlink points
/// to, not another file in its place, not a file of the same name in a directory swapped in.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UnixSocketFileTests : IntegrationTest
{
    private readonly string _root = Directory.CreateTempSubdirectory("ntb-sockfile-").FullName;

    public UnixSocketFileTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task NormalRun_RelaysAndRemovesItsSocketFileAtExit() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string path = Path.Combine(_root, "front.sock");

        var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await AssertEchoesOverAsync(path, bridge, seed: 71);
        await StopAsync(bridge);

        Assert.False(Path.Exists(path), $"the bridge must remove the socket file it created: {bridge.Describe()}");
        Assert.DoesNotContain("cannot remove", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>
    /// The socket's name replaced after start by a symlink, to the bridge's own socket file moved
    /// elsewhere or to a regular file: at exit the symlink stays, and so does what it points to.
    /// </summary>
    [NamespaceTheory]
    [InlineData(true)]
    [InlineData(false)]
    public Task SymlinkPutAtThePathAfterStart_IsNeitherRemovedNorFollowedAtExit(bool toASocketFile) => WithTimeout(async () =>
    {
        string path = Path.Combine(_root, "front.sock");
        string elsewhere = Path.Combine(_root, toASocketFile ? "moved.sock" : "precious");
        var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);
        (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();

        if (toASocketFile)
        {
            File.Move(path, elsewhere);
        }
        else
        {
            File.WriteAllText(elsewhere, "keep me");
            File.Delete(path);
        }

        File.CreateSymbolicLink(path, elsewhere);
        await StopAsync(bridge);

        Assert.Equal(elsewhere, new FileInfo(path).LinkTarget);
        Assert.True(Path.Exists(elsewhere), "the symlink's target must survive");
        if (!toASocketFile)
        {
            Assert.Equal("keep me", File.ReadAllText(elsewhere));
        }

        Assert.Contains($"cannot remove the socket file unix:{path} at exit: another file has taken its place", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>The socket file replaced after start by someone else's socket file, or by a regular file: it stays at exit.</summary>
    [NamespaceTheory]
    [InlineData(true)]
    [InlineData(false)]
    public Task SocketFileReplacedByAnotherFileAfterStart_TheOtherFileStaysAtExit(bool bySocketFile) => WithTimeout(async () =>
    {
        string path = Path.Combine(_root, "front.sock");
        var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);
        (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();

        // Made under another name, then renamed over the socket file in one step.
        string other = Path.Combine(_root, "other");
        if (bySocketFile)
        {
            StaleSocketFile.Leave(other);
        }
        else
        {
            File.WriteAllText(other, "keep me");
        }

        File.Move(other, path, overwrite: true);
        await StopAsync(bridge);

        Assert.True(Path.Exists(path), $"a file the bridge did not make must stay: {bridge.Describe()}");
        if (!bySocketFile)
        {
            Assert.Equal("keep me", File.ReadAllText(path));
        }

        Assert.Contains($"cannot remove the socket file unix:{path} at exit: another file has taken its place", bridge.Stderr, StringComparison.Ordinal);
    });

    /// <summary>
    /// The socket's directory renamed after start and a symlink to another directory put in its
    /// place, which holds a file of the socket's name: at exit the bridge removes its own socket
    /// file, in the directory it opened, and leaves the other directory's file alone.
    /// </summary>
    [NamespaceFact]
    public Task DirectorySwappedForASymlinkAfterStart_ItsOwnFileIsRemoved_TheOtherDirectorysFileStays() => WithTimeout(async () =>
    {
        string run = Path.Combine(_root, "run");
        string victim = Path.Combine(_root, "victim");
        Directory.CreateDirectory(run);
        Directory.CreateDirectory(victim);
        File.WriteAllText(Path.Combine(victim, "front.sock"), "keep me");
        string path = Path.Combine(run, "front.sock");
        var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);
        (await ConnectUnixWhenReadyAsync(path, bridge)).Dispose();

        string moved = Path.Combine(_root, "moved");
        Directory.Move(run, moved);
        Directory.CreateSymbolicLink(run, victim);
        await StopAsync(bridge);

        Assert.Equal("keep me", File.ReadAllText(Path.Combine(victim, "front.sock")));
        Assert.False(Path.Exists(Path.Combine(moved, "front.sock")), $"the bridge's own file, in the directory it opened, must go: {bridge.Describe()}");
    });

    /// <summary>A socket file left by a bridge that was killed (nobody listens on it) is replaced at the next start.</summary>
    [NamespaceFact]
    public Task StaleSocketFileOfAKilledBridge_IsReplaced_AndTheNewBridgeListens() => WithTimeout(async () =>
    {
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string path = Path.Combine(_root, "front.sock");
        var dead = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        (await ConnectUnixWhenReadyAsync(path, dead)).Dispose();
        int connector = await dead.WaitForConnectorAsync();
        _ = Native.Kill(connector, Native.SIGKILL);
        dead.Signal(Native.SIGKILL);
        Assert.False((await dead.WaitForExitAsync(StepTimeout)).Exited, dead.Describe());
        Assert.True(await ProcFs.WaitUntilEndedAsync(connector, StepTimeout), "the killed connector must end");
        Assert.True(Path.Exists(path), "SIGKILL leaves the socket file");

        var bridge = StartBridge(["-l", $"unix:{path}", "-c", "127.0.0.1:9000", "--connect-netns", connectSide.Name]);
        await AssertEchoesOverAsync(path, bridge, seed: 72);
        await StopAsync(bridge);
        Assert.False(Path.Exists(path));
    });

    [NamespaceFact]
    public Task LiveSocketAtThePath_IsRefusedInOneLine_AndStays() => WithTimeout(async () =>
    {
        string path = Path.Combine(_root, "front.sock");
        using var live = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        live.Bind(new UnixDomainSocketEndPoint(path));
        live.Listen(4);

        var (status, bridge) = await RunBridgeToEndAsync(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        string line = Assert.Single(bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"cannot listen on unix:{path}: another program listens there; stop it or pick another path", line, StringComparison.Ordinal);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
    });

    [NamespaceFact]
    public Task RegularFileAtThePath_IsRefusedInOneLine_AndNotRemoved() => WithTimeout(async () =>
    {
        string path = Path.Combine(_root, "front.sock");
        File.WriteAllText(path, "not a socket");

        var (status, bridge) = await RunBridgeToEndAsync(["-l", $"unix:{path}", "-c", "127.0.0.1:9000"]);

        Assert.True(status == new ExitStatus(1, 0), bridge.Describe());
        string line = Assert.Single(bridge.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"cannot listen on unix:{path}: the file exists and is not a socket", line, StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(path));
    });

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        finally
        {
            if (disposing)
            {
                Directory.Delete(_root, recursive: true);
            }
        }
    }

    private static async Task StopAsync(BridgeProcess bridge)
    {
        bridge.Signal(Native.SIGTERM);
        Assert.True(await bridge.WaitForExitAsync(StepTimeout) == new ExitStatus(0, 0), bridge.Describe());
    }

    private static async Task AssertEchoesOverAsync(string path, BridgeProcess bridge, int seed)
    {
        using var client = await ConnectUnixWhenReadyAsync(path, bridge);
        byte[] payload = SocketIo.Payload(seed, 50_000);
        SocketIo.AssertSameBytes(payload, await client.EchoRoundTripAsync(payload).WaitAsync(StepTimeout), "echo from a UNIX path socket to TCP");
    }
}
