using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using NetnsTcpBridge.IntegrationTests.Infrastructure;

namespace NetnsTcpBridge.IntegrationTests;

/// <summary>
/// What the bridge says: one close line per connection with -v, as text or JSON, timestamps
/// unless stderr is the journal, and the descriptor-limit notice.
/// </summary>
public sealed partial class LoggingTests : IntegrationTest
{
    private const int Upload = 12_345;
    private const int Download = 54_321;

    public LoggingTests(ITestOutputHelper output)
        : base(output)
    {
    }

    [NamespaceFact]
    public Task VerboseJson_BridgedConnection_GivesAParseableCloseLineWithTheByteCountsEachWay() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartServer(connectSide, Loopback(9000), ReadAllThenAnswerAsync);
        var bridge = StartBridge(["-v", "--log-format", "json", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        string client = await ExchangeAsync(listenSide);

        string closeLine = await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsJsonClose(line, client), StepTimeout, $"closing {client}");
        using (var close = LogLines.ParseJson(closeLine))
        {
            var root = close.RootElement;
            Assert.Equal("debug", root.GetProperty("level").GetString());
            Assert.Equal("connector", root.GetProperty("part").GetString());
            Assert.Equal("127.0.0.1:9000", root.GetProperty("target").GetString());
            Assert.Equal(Upload, root.GetProperty("bytes_client_to_server").GetInt64());
            Assert.Equal(Download, root.GetProperty("bytes_server_to_client").GetInt64());
            Assert.Equal("FIN both ways", root.GetProperty("reason").GetString());
            Assert.Equal("fin_both_ways", root.GetProperty("reason_code").GetString());
            Assert.InRange(root.GetProperty("duration_s").GetDouble(), 0, 3600);
            Assert.False(root.TryGetProperty("rule", out _), "no rule name is set, so none is printed");
            Assert.False(root.TryGetProperty("error", out _), "a clean close has no error");
            Assert.Contains($"closed {client} -> 127.0.0.1:9000", root.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // Every line, of both parts, is one JSON object with the stable keys.
        var lines = LogLines.Split(bridge.Stderr);
        Assert.Contains(lines, line => line.Contains("\"part\":\"listener\"", StringComparison.Ordinal));
        foreach (string line in lines)
        {
            using var document = LogLines.ParseJson(line);
            var root = document.RootElement;
            Assert.True(root.TryGetProperty("time", out var time), $"no time outside journald: {line}");
            Assert.Matches(Rfc3339(), time.GetString());
            Assert.Matches("^(error|warning|info|debug)$", root.GetProperty("level").GetString());
            Assert.Matches("^(listener|connector)$", root.GetProperty("part").GetString());
            Assert.Equal(JsonValueKind.String, root.GetProperty("message").ValueKind);
        }
    });

    [NamespaceFact]
    public Task VerboseJson_NamedRule_CloseLineCarriesTheRuleName() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartServer(connectSide, Loopback(9000), ReadAllThenAnswerAsync);
        var bridge = StartBridge(["-v", "--log-format", "json", "--rule", $"name=web,listen=127.0.0.1:8000,listen-netns={listenSide.Name},connect=127.0.0.1:9000,connect-netns={connectSide.Name}"]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        string client = await ExchangeAsync(listenSide);

        string closeLine = await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsJsonClose(line, client), StepTimeout, $"closing {client}");
        using var close = LogLines.ParseJson(closeLine);
        var root = close.RootElement;
        Assert.Equal("web", root.GetProperty("rule").GetString());
        Assert.StartsWith($"[web] closed {client} -> 127.0.0.1:9000", root.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Upload, root.GetProperty("bytes_client_to_server").GetInt64());
        Assert.Equal(Download, root.GetProperty("bytes_server_to_client").GetInt64());
    });

    [NamespaceFact]
    public Task VerboseText_RefusedTarget_CloseLineSaysConnectRefusedWithTheErrno_AndLinesAreTimestamped() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        var bridge = StartBridge(["-v", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath]);
        await listenSide.WaitForListenerAsync(8000, bridge);

        // Bound first, so its address is known even when the reset overtakes the connect's completion.
        using var refused = listenSide.CreateSocket(AddressFamily.InterNetwork);
        refused.Bind(Loopback(0));
        string client = FormatEndpoint(refused.LocalEndPoint!);
        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            await refused.ConnectAsync(Loopback(8000));
            await refused.ReceiveToEndAsync().WaitAsync(StepTimeout);
        });

        string closeLine = await LogLines.WaitForLineAsync(() => bridge.Stderr, line => LogLines.IsTextClose(line, client), StepTimeout, $"closing {client}");
        Assert.Matches($@"^{Rfc3339().ToString().TrimStart('^').TrimEnd('$')} netns_tcp_bridge\[connector\]: closed {Regex.Escape(client)} -> 127\.0\.0\.1:9000 after \d+\.\d{{3}} s: connect refused: ECONNREFUSED \(Connection refused\); client->server 0 bytes, server->client 0 bytes$", closeLine);
        foreach (string line in LogLines.Split(bridge.Stderr))
        {
            Assert.Matches(TextLineWithTime(), line);
        }
    });

    /// <summary>
    /// JOURNAL_STREAM set as systemd sets it (device:inode of the stream on stderr): no
    /// timestamps, the journal has its own. The same variable naming another file (a child whose
    /// stderr was redirected) must not count.
    /// </summary>
    [NamespaceTheory]
    [InlineData("text", true)]
    [InlineData("json", true)]
    [InlineData("text", false)]
    [InlineData("json", false)]
    public Task UnderJournald_NoTimestamps_Otherwise_Timestamps(string format, bool underJournald) => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        StartEchoServer(connectSide, Loopback(9000));
        string directory = Directory.CreateTempSubdirectory("ntb-journal-").FullName;
        try
        {
            string log = Path.Combine(directory, "stderr.log");
            string identity = underJournald ? "$(stat -c %d:%i \"$1\")" : "1:1";
            var bridge = Track(ExternalProcess.Start("sh", "-c", $"exec 2>\"$1\"; JOURNAL_STREAM={identity}; export JOURNAL_STREAM; shift; exec \"$@\"", "sh", log,
                BridgeBinary.Path, "-v", "--log-format", format, "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath));
            await listenSide.WaitForListenerAsync(8000);
            await AssertEchoesAsync(listenSide, Loopback(8000), seed: 71, length: 1000);
            await LogLines.WaitForLineAsync(() => ReadIfThere(log), line => line.Contains("closed ", StringComparison.Ordinal), StepTimeout, "closing the connection");

            Assert.Equal(0, Native.Kill(bridge.Pid, Native.SIGTERM));
            var result = await bridge.WaitForExitAsync(StepTimeout);
            string stderr = File.ReadAllText(log);
            Output.WriteLine(stderr);
            Assert.True(result.ExitCode == 0, result.ToString());

            var lines = LogLines.Split(stderr);
            Assert.True(lines.Count >= 3, stderr);
            foreach (string line in lines)
            {
                if (format == "json")
                {
                    using var document = LogLines.ParseJson(line);
                    Assert.Equal(!underJournald, document.RootElement.TryGetProperty("time", out _));
                }
                else
                {
                    Assert.Matches(underJournald ? "^netns_tcp_bridge(\\[connector\\])?: " : TextLineWithTime().ToString(), line);
                }
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    [NamespaceFact]
    public Task Verbose_SaysTheDescriptorLimitWasRaised_FromAndTo() => WithTimeout(async () =>
    {
        var listenSide = CreateNamespace();
        var connectSide = CreateNamespace();
        string directory = Directory.CreateTempSubdirectory("ntb-nofile-").FullName;
        try
        {
            // stderr to a file, so that it can be read while the bridge runs.
            string log = Path.Combine(directory, "stderr.log");
            var bridge = Track(ExternalProcess.Start("sh", "-c", "exec 2>\"$1\"; shift; exec prlimit --nofile=512:2048 \"$@\"", "sh", log,
                BridgeBinary.Path, "-v", "-l", "127.0.0.1:8000", "-f", listenSide.FilePath, "-c", "127.0.0.1:9000", "-t", connectSide.FilePath));

            // Once it says it listens, it has its signal handlers: SIGTERM then stops it cleanly.
            await LogLines.WaitForLineAsync(() => ReadIfThere(log), line => line.Contains("netns_tcp_bridge: listening on 127.0.0.1:8000", StringComparison.Ordinal), StepTimeout, "saying it listens");
            Assert.Equal(0, Native.Kill(bridge.Pid, Native.SIGTERM));
            var result = await bridge.WaitForExitAsync(StepTimeout);
            string stderr = File.ReadAllText(log);

            Assert.True(result.ExitCode == 0, $"{result}; stderr: {stderr}");
            Assert.Contains("netns_tcp_bridge: descriptor limit (RLIMIT_NOFILE) raised from 512 to 2048", stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    });

    private static async Task ReadAllThenAnswerAsync(Socket connection)
    {
        byte[] request = await connection.ReceiveToEndAsync();
        Assert.Equal(Upload, request.Length);
        await connection.SendAllAsync(SocketIo.Payload(2, Download));
        connection.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Sends <see cref="Upload"/> bytes, half-closes, reads the <see cref="Download"/> bytes of the answer and EOF; returns the client's address.</summary>
    private static async Task<string> ExchangeAsync(TestNamespace listenSide)
    {
        using var client = await listenSide.ConnectAsync(Loopback(8000));
        byte[] answer = await client.EchoRoundTripAsync(SocketIo.Payload(1, Upload)).WaitAsync(StepTimeout);
        Assert.Equal(Download, answer.Length);
        return FormatEndpoint(client.LocalEndPoint!);
    }

    /// <summary>The file's text; empty until the shell has created it.</summary>
    private static string ReadIfThere(string path) => File.Exists(path) ? File.ReadAllText(path) : string.Empty;

    private static string FormatEndpoint(EndPoint endpoint) => ((IPEndPoint)endpoint).ToString();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")]
    private static partial Regex Rfc3339();

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z netns_tcp_bridge(\[connector\])?: ")]
    private static partial Regex TextLineWithTime();
}
