using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Started by a service manager: sockets passed with LISTEN_FDS (systemd-socket-activate, from
/// Debian's systemd package, stands in for systemd) and readiness told with NOTIFY_SOCKET.
/// </summary>
public sealed class SystemdIntegrationTests : IntegrationTest
{
    private const string SocketActivate = "/usr/bin/systemd-socket-activate";

    public SystemdIntegrationTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task SocketActivatedListeningSocket_AcceptNo_ServesEveryClient() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));

        var activator = StartActivated(listenSide, accept: false, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath);
        await listenSide.WaitForListenerAsync(8000);

        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 41);
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 42);
        Assert.False(activator.HasExited, $"Accept=no: one bridge serves every client: {activator.CommandLine}");
    });

    [NamespaceFact]
    public Task SocketActivatedConnection_AcceptYes_OneBridgePerClient() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));

        var activator = StartActivated(listenSide, accept: true, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath);
        await listenSide.WaitForListenerAsync(8000);

        // Two clients open at once: each has a bridge of its own, started for it.
        using var first = await ConnectAsync(listenSide, Loopback(8000));
        await EchoAsync(first, seed: 43);
        using var second = await ConnectAsync(listenSide, Loopback(8000));
        await EchoAsync(second, seed: 44);
        var bridges = ProcFs.Children(activator.Pid);
        Assert.True(bridges.Count == 2, $"Accept=yes: expected one bridge per open client, found {bridges.Count} child process(es) of {activator.CommandLine}: {string.Join(", ", bridges.Select(ProcFs.CommandLine))}");
    });

    private static async Task EchoAsync(Socket client, int seed)
    {
        byte[] ping = SocketIo.Payload(seed, 1000);
        await client.SendAllAsync(ping);
        byte[] echoed = new byte[ping.Length];
        Assert.True(await client.ReceiveExactlyAsync(echoed).WaitAsync(StepTimeout), "the echo ended early");
        Assert.Equal(ping, echoed);
    }

    /// <summary>
    /// A fake service manager: a datagram socket of the test's own at NOTIFY_SOCKET. READY=1 comes
    /// with a STATUS= line saying where the bridge listens and where it forwards; STOPPING=1
    /// with one saying it drains.
    /// </summary>
    [NamespaceFact]
    public Task NotifySocket_GetsReadyAndStatusWhenServing_AndStoppingAndStatusOnSigterm() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string directory = Directory.CreateTempSubdirectory("ntb-notify-").FullName;
        try
        {
            string path = Path.Combine(directory, "notify.sock");
            using var receiver = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            receiver.Bind(new UnixDomainSocketEndPoint(path));

            var bridge = Track(ExternalProcess.Start("env", $"NOTIFY_SOCKET={path}", BridgeBinary.Path,
                "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath));
            var ready = (await ReceiveTextAsync(receiver)).Split('\n');
            Assert.True(listenSide.HasListener(8000), "READY=1 must come once the bridge listens");
            Assert.Contains("READY=1", ready);
            Assert.Contains($"STATUS=listening on 127.0.0.1:8000 in netns {listenSide.FilePath}, forwarding to 127.0.0.1:9000 from netns {connectSide.FilePath}", ready);
            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 45);

            Assert.Equal(0, Native.Kill(bridge.Pid, Native.SIGTERM));
            var stopping = (await ReceiveTextAsync(receiver)).Split('\n');
            Assert.Contains("STOPPING=1", stopping);
            Assert.Contains("STATUS=draining: no new clients; open connections may finish within 30 s", stopping);
            var result = await bridge.WaitForExitAsync(StepTimeout);
            Assert.True(result.ExitCode == 0, result.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    private ExternalProcess StartActivated(TestNamespace listenSide, bool accept, params string[] bridgeArguments)
    {
        Assert.True(File.Exists(SocketActivate), $"{SocketActivate} is missing: install Debian's systemd package (CI does)");
        string[] activation = accept ? ["--accept", "-l", "127.0.0.1:8000"] : ["-l", "127.0.0.1:8000"];
        return Track(ExternalProcess.Start("ip", ["netns", "exec", listenSide.Name, SocketActivate, .. activation, BridgeBinary.Path, .. bridgeArguments]));
    }

    private static async Task<string> ReceiveTextAsync(Socket receiver)
    {
        byte[] buffer = new byte[256];
        int count = await receiver.ReceiveAsync(buffer.AsMemory(), SocketFlags.None).AsTask().WaitAsync(StepTimeout);
        return Encoding.UTF8.GetString(buffer, 0, count);
    }
}
