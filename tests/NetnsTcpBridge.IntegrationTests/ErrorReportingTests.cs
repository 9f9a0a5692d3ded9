using System.Net.Sockets;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// Failures: a bad command line exits 2, a runtime failure exits 1, each with one line on stderr
/// that names the problem and no stack trace; a target that refuses one client does not stop the bridge.
/// </summary>
public sealed class ErrorReportingTests : IntegrationTest
{
    private const int UsageError = 2;
    private const int RuntimeError = 1;
    private const string PlainNotice = "forwarding within the current network namespace";

    public ErrorReportingTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task TargetPortClosed_ClientIsClosedPromptlyAndBridgeKeepsServing() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        // The listener accepts at once; the refusal then comes back as a reset (or at least an
        // end of stream), which may arrive while the client's connect is still completing.
        using (var refusedClient = listenSide.CreateSocket(AddressFamily.InterNetwork))
        {
            try
            {
                await refusedClient.ConnectAsync(Loopback(8000)).WaitAsync(StepTimeout);
                byte[] received = await refusedClient.ReceiveToEndAsync().WaitAsync(StepTimeout);
                Assert.Empty(received);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // A reset is the better answer: the client cannot mistake it for an empty reply.
            }
        }

        StartEchoServer(connectSide, Loopback(9000));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 41);
        Assert.False(bridge.HasExited, $"one refused connect must not stop the bridge: {bridge.Describe()}");
        Assert.Contains("127.0.0.1:9000", bridge.Stderr, StringComparison.Ordinal);
    });

    [NamespaceFact]
    public Task TargetNeverAnswers_ClientIsResetAfterConnectTimeoutAndBridgeKeepsServing() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();

        // A listener whose accept queue is full drops further SYNs: the bridge's connect gets no answer.
        var full = Track(connectSide.Listen(Loopback(9000), backlog: 1));
        await ConnectAsync(connectSide, Loopback(9000));
        await ConnectAsync(connectSide, Loopback(9000));
        var bridge = StartBridge(["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath, "--connect-timeout", "1"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        using (var client = listenSide.CreateSocket(AddressFamily.InterNetwork))
        {
            var reset = await Assert.ThrowsAsync<SocketException>(async () =>
            {
                await client.ConnectAsync(Loopback(8000)).WaitAsync(StepTimeout);
                await client.ReceiveToEndAsync().WaitAsync(StepTimeout);
            });
            Assert.True(reset.SocketErrorCode == SocketError.ConnectionReset, $"expected a reset, got {reset.SocketErrorCode}: {bridge.Describe()}");
        }

        Assert.False(bridge.HasExited, $"one connect timeout must not stop the bridge: {bridge.Describe()}");
        Assert.Contains("127.0.0.1:9000", bridge.Stderr, StringComparison.Ordinal);
        full.Dispose();
        StartEchoServer(connectSide, Loopback(9000));
        await AssertEchoesAsync(listenSide, Loopback(8000), seed: 42);
    });

    [Fact]
    public Task ListenPortAboveRange_ExitsTwoNamingThePort() =>
        AssertFailsAsync(["-l", "127.0.0.1:99999", "-c", "127.0.0.1:9000"], UsageError, "99999");

    [Fact]
    public Task ListenAddressNonsense_ExitsTwoNamingTheValue() =>
        AssertFailsAsync(["-l", "nonsense", "-c", "127.0.0.1:9000"], UsageError, "nonsense");

    [Fact]
    public Task UnknownOption_ExitsTwoNamingTheOption() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "--frobnicate"], UsageError, "unknown option", "--frobnicate");

    [Fact]
    public Task UnknownOptionWithLineBreak_ExitsTwoStillOnOneLine() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000", "-c", "127.0.0.1:9000", "--bogus\nline"], UsageError, "unknown option", "--bogus");

    [Fact]
    public Task ListenAndListenFdTogether_ExitsTwoNamingBoth() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000", "-L", "3", "-c", "127.0.0.1:9000"], UsageError, "-l", "-L");

    [Fact]
    public Task MissingConnectTarget_ExitsTwoSayingWhatIsMissing() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000"], UsageError, "missing", "-c");

    [Fact]
    public Task ListenNetnsWithListenFd_ExitsTwoNamingBoth() =>
        AssertFailsAsync(["-L", "3", "-f", "/run/netns/ntb-unused", "-c", "127.0.0.1:9000"], UsageError, "-f", "-L");

    [Fact]
    public Task ConnectNetnsWithConnectFd_ExitsTwoNamingBoth() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000", "-C", "4", "-t", "/run/netns/ntb-unused"], UsageError, "-t", "-C");

    [Fact]
    public Task ListenNetnsFileAndFdTogether_ExitsTwoNamingBoth() =>
        AssertFailsAsync(["-l", "127.0.0.1:8000", "-f", "/run/netns/ntb-unused", "-F", "3", "-c", "127.0.0.1:9000"], UsageError, "-f", "-F");

    [Fact]
    public Task MissingNetnsFile_ExitsOneNamingThePath()
    {
        string path = $"/run/netns/ntb-absent-{Environment.ProcessId}";
        return AssertFailsAsync(["-l", "127.0.0.1:8000", "-f", path, "-c", "127.0.0.1:9000"], RuntimeError, path, "No such file");
    }

    [Fact]
    public async Task RegularFileAsNetns_ExitsOneSayingItIsNoNamespace()
    {
        string path = Path.GetTempFileName();
        try
        {
            await AssertFailsAsync(["-l", "127.0.0.1:8000", "-f", path, "-c", "127.0.0.1:9000"], RuntimeError, path, "namespace");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public Task ListenFdNotOpen_ExitsOneNamingTheDescriptor() =>
        AssertFailsAsync(["-L", "42", "-c", "127.0.0.1:9000"], RuntimeError, "42", "not an open");

    [Fact]
    public async Task ListenFdIsRegularFile_ExitsOneSayingItIsNoSocket()
    {
        string path = Path.GetTempFileName();
        try
        {
            using var file = OwnedFd.OpenReadOnly(path);
            await AssertFailsAsync(["-L", "3", "-c", "127.0.0.1:9000"], RuntimeError, [new InheritedFd(file.Number, 3)], "3", "not a socket");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [NamespaceFact]
    public Task ListenAddressInUse_ExitsOneNamingTheAddress() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        Track(listenSide.Listen(Loopback(8000)));

        await AssertFailsAsync(
            ["-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath],
            RuntimeError, "127.0.0.1:8000", "in use");
    });

    private Task AssertFailsAsync(string[] arguments, int expectedCode, params string[] keywords) =>
        AssertFailsAsync(arguments, expectedCode, [], keywords);

    /// <summary>
    /// Runs the bridge to its end and checks: the exit status, nothing on stdout, and exactly one
    /// line on stderr (besides the plain-forwarder notice, which precedes runtime failures when
    /// no netns is given) that holds every keyword and no stack trace.
    /// </summary>
    private Task AssertFailsAsync(string[] arguments, int expectedCode, InheritedFd[] inherited, params string[] keywords) => WithTimeout(async () =>
    {
        var (status, bridge) = await RunBridgeToEndAsync(arguments, inherited);
        string stderr = bridge.Stderr;

        Assert.True(status == new ExitStatus(expectedCode, 0), $"expected exit status {expectedCode}: {bridge.Describe()}");
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        Assert.True(bridge.Stdout.Length == 0, $"errors belong on stderr: {bridge.Describe()}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.Contains(PlainNotice, StringComparison.Ordinal))
            .ToList();
        Assert.True(lines.Count == 1, $"expected exactly one error line: {bridge.Describe()}");
        foreach (string keyword in keywords)
        {
            Assert.True(lines[0].Contains(keyword, StringComparison.Ordinal), $"the error line should mention '{keyword}': {lines[0]}");
        }
    });
}
