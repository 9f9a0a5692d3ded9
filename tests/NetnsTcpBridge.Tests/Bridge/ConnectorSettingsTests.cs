using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.Bridge;

public class ConnectorSettingsTests
{
    /// <summary>Every line a complete record must have: one route, and the relay's numbers.</summary>
    private const string RequiredLines = "route.0.connect=127.0.0.1:80\nconnect-timeout-ms=1000\nthreads=2\npipe-size=0\npipe-memory-budget=4096\nlog-level=2\n";

    // ConnectorSettings is internal, so the theory takes an index into this list.
    private static readonly ConnectorSettings[] RoundTripSettings =
    [
        new ConnectorSettings(new RelayOptions { Routes = [To("127.0.0.1:80")] }, false, LogLevel.Info),
        new ConnectorSettings(
            new RelayOptions
            {
                Routes = [To("[::1]:8080")],
                ConnectTimeout = TimeSpan.FromMilliseconds(500),
                CopyMethod = CopyMethod.Buffered,
                Threads = 1,
                PipeSize = 1 << 20,
                PipeMemoryBudget = 3L << 30,
                KeepAlive = new KeepAliveSettings(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 3),
            },
            true,
            LogLevel.Debug),
        new ConnectorSettings(new RelayOptions { Routes = [To("[fe80::1%3]:443")], ConnectTimeout = TimeSpan.FromDays(1) }, false, LogLevel.Error),
        new ConnectorSettings(new RelayOptions { Routes = [To("93.184.216.34:65535")], ConnectTimeout = TimeSpan.FromMilliseconds(1), Threads = 1024 }, true, LogLevel.Warning),
        new ConnectorSettings(new RelayOptions { Routes = [new RelayRoute(null, [])] }, true, LogLevel.Info),
        new ConnectorSettings(new RelayOptions { Routes = [new RelayRoute(null, [])], ConnectTimeout = TimeSpan.FromMilliseconds(2500), CopyMethod = CopyMethod.Buffered }, false, LogLevel.Debug),
        new ConnectorSettings(
            new RelayOptions
            {
                Routes = [To("127.0.0.1:80", "web = front, 'quoted'")],
                IdleTimeout = TimeSpan.FromMilliseconds(1500),
                MaxConnectionsPerSource = 4,
                SourcePrefixes = new SourcePrefixes(24, 56),
            },
            false,
            LogLevel.Debug) { LogFormat = LogFormat.Json, LogTimestamps = true },
        new ConnectorSettings(new RelayOptions { Routes = [To("127.0.0.1:80")] }, false, LogLevel.Info) { LogTimestamps = true },
        new ConnectorSettings(new RelayOptions { Routes = [To("[::1]:53") with { Udp = true }], UdpIdleTimeout = TimeSpan.FromMilliseconds(2500), MaxUdpFlows = 7 }, false, LogLevel.Info),
    ];

    [Fact]
    public void UdpRoutes_TravelWithTheirFlowSettings()
    {
        var relay = new RelayOptions
        {
            Routes = [To("127.0.0.1:80", "web"), To("10.0.0.2:53", "dns") with { Udp = true }],
            MaxUdpFlows = 9,
        };

        var parsed = ConnectorSettings.Parse(new ConnectorSettings(relay, false, LogLevel.Info).Format()).Relay;

        Assert.False(parsed.Routes[0].Udp);
        Assert.True(parsed.Routes[1].Udp);
        Assert.Equal(9, parsed.MaxUdpFlows);
        Assert.Equal(RelayOptions.DefaultUdpIdleTimeout, parsed.UdpIdleTimeout);
    }

    public static TheoryData<int> RoundTripCases() => [.. Enumerable.Range(0, RoundTripSettings.Length)];

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void FormatThenParse_GivesTheSameSettings(int index)
    {
        var settings = RoundTripSettings[index];

        var parsed = ConnectorSettings.Parse(settings.Format());

        Assert.Equal(settings, parsed);
    }

    [Fact]
    public void Format_WithTarget_IsKeyValueLines()
    {
        var settings = new ConnectorSettings(
            new RelayOptions { Routes = [new RelayRoute(null, [new IPEndPoint(IPAddress.IPv6Loopback, 8080)])], ConnectTimeout = TimeSpan.FromSeconds(2), Threads = 3 },
            true,
            LogLevel.Debug);

        Assert.Equal(
            "route.0.connect=[::1]:8080\nconnect-timeout-ms=2000\ncopy=splice\nthreads=3\npipe-size=1048576\npipe-memory-budget=67108864\none-shot=1\nlog-level=3\nlog-format=text\n",
            settings.Format());
    }

    [Fact]
    public void Format_ThePreconnectedSocketsRoute_HasAnEmptyConnectLine()
    {
        var settings = new ConnectorSettings(new RelayOptions { Routes = [new RelayRoute(null, [])], Threads = 2 }, false, LogLevel.Info);

        string text = settings.Format();

        Assert.Equal("route.0.connect=\nconnect-timeout-ms=10000\ncopy=splice\nthreads=2\npipe-size=1048576\npipe-memory-budget=67108864\nlog-level=2\nlog-format=text\n", text);
        Assert.Empty(ConnectorSettings.Parse(text).Relay.Routes[0].Targets);
    }

    [Fact]
    public void Format_WithLogsAndLimits_AddsTheirLines()
    {
        var settings = new ConnectorSettings(
            new RelayOptions { Routes = [To("127.0.0.1:80", "web")], Threads = 1, IdleTimeout = TimeSpan.FromSeconds(30), MaxConnectionsPerSource = 2 },
            false,
            LogLevel.Debug) { LogFormat = LogFormat.Json, LogTimestamps = true };

        Assert.Equal(
            "route.0.connect=127.0.0.1:80\nroute.0.name=web\nconnect-timeout-ms=10000\ncopy=splice\nthreads=1\npipe-size=1048576\npipe-memory-budget=67108864\nmax-connections-per-source=2\nsource-prefix=32,64\nidle-timeout-ms=30000\n"
            + "log-level=3\nlog-format=json\nlog-timestamps=1\n",
            settings.Format());
    }

    [Fact]
    public void Parse_WithoutLogFormatOrTimestamps_IsTextWithoutTimestamps()
    {
        var parsed = ConnectorSettings.Parse(RequiredLines);

        Assert.Equal(LogFormat.Text, parsed.LogFormat);
        Assert.False(parsed.LogTimestamps);
        Assert.Null(parsed.Relay.IdleTimeout);
        Assert.Null(parsed.Relay.MaxConnectionsPerSource);
        Assert.Null(parsed.Relay.Routes[0].Name);
    }

    [Fact]
    public void Parse_UnknownLogFormat_IsRejectedNamingIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines + "log-format=yaml\n"));

        Assert.Contains("'yaml'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AcceptsKeysInAnyOrder()
    {
        var parsed = ConnectorSettings.Parse("log-level=0\none-shot=1\npipe-memory-budget=67108864\npipe-size=8192\nthreads=1\ncopy=buffered\nconnect-timeout-ms=750\nroute.0.connect=10.0.0.1:22\n");

        var expected = new ConnectorSettings(
            new RelayOptions { Routes = [To("10.0.0.1:22")], ConnectTimeout = TimeSpan.FromMilliseconds(750), CopyMethod = CopyMethod.Buffered, Threads = 1, PipeSize = 8192 },
            true,
            LogLevel.Error);
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void Parse_CompleteRecordWithoutOptionalLines_Works()
    {
        var parsed = ConnectorSettings.Parse(RequiredLines);

        Assert.Equal([To("127.0.0.1:80")], parsed.Relay.Routes);
        Assert.Null(parsed.Relay.KeepAlive);
        Assert.Equal(CopyMethod.Splice, parsed.Relay.CopyMethod);
        Assert.False(parsed.OneShot);
        Assert.Equal(TimeSpan.FromSeconds(1), parsed.Relay.ConnectTimeout);
        Assert.Equal(2, parsed.Relay.Threads);
    }

    [Theory]
    [InlineData("bogus=1", "'bogus'")]
    [InlineData("listen=127.0.0.1:1", "'listen'")]
    [InlineData("connect=127.0.0.1:1", "'connect'")]
    [InlineData("route.2.connect=127.0.0.1:1", "'route.2.connect'")] // no route 1: routes are numbered without gaps
    [InlineData(" =1", "' '")]
    public void Parse_UnknownKey_IsRejectedNamingIt(string line, string quotedKey)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines + line + "\n"));

        Assert.Contains(quotedKey, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("noequals")]
    [InlineData("threads=2")]
    [InlineData("route.0.connect=127.0.0.1:80")]
    public void Parse_MalformedOrRepeatedLine_IsRejectedNamingIt(string line)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines + line + "\n"));

        Assert.Contains($"'{line}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("route.0.connect")]
    [InlineData("connect-timeout-ms")]
    [InlineData("threads")]
    [InlineData("pipe-size")]
    [InlineData("pipe-memory-budget")]
    [InlineData("log-level")]
    public void Parse_MissingRequiredKey_IsRejectedNamingIt(string key)
    {
        string text = string.Concat(RequiredLines.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith(key + "=", StringComparison.Ordinal))
            .Select(l => l + "\n"));

        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(text));

        Assert.Contains($"{key} missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    public void Parse_EmptyRecord_IsRejected(string text)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(text));

        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("route.0.connect=localhost:80")]
    [InlineData("route.0.connect=127.0.0.1:0")]
    [InlineData("route.0.connect=::1:80")]
    [InlineData("route.0.connect=127.0.0.1:80,")]
    public void Parse_BadTarget_IsRejected(string line)
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines.Replace("route.0.connect=127.0.0.1:80", line, StringComparison.Ordinal)));

        Assert.Contains("connect=", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownCopyMethod_IsRejectedNamingIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines + "copy=sendfile\n"));

        Assert.Contains("'sendfile'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keepalive=30,10")]
    [InlineData("keepalive=30,10,3,1")]
    [InlineData("keepalive=")]
    public void Parse_MalformedKeepAlive_IsRejected(string line)
    {
        Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(RequiredLines + line + "\n"));
    }

    [Theory]
    [InlineData("connect-timeout-ms=1000", "connect-timeout-ms=abc")]
    [InlineData("connect-timeout-ms=1000", "connect-timeout-ms=-5")]
    [InlineData("connect-timeout-ms=1000", "connect-timeout-ms=")]
    [InlineData("threads=2", "threads=x")]
    [InlineData("log-level=2", "log-level=")]
    public void Parse_BadNumber_Throws(string good, string bad)
    {
        Assert.ThrowsAny<Exception>(() => ConnectorSettings.Parse(RequiredLines.Replace(good, bad, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("0.5")]
    [InlineData("1")]
    [InlineData("86400")]
    [InlineData("0.001")]
    public void ConnectTimeoutFromTheCommandLine_ReachesTheConnectorStillPositive(string seconds) =>
        AssertTimeoutSurvivesHandover(seconds);

    // Timeouts travel and act in whole milliseconds: anything shorter would become 0 ("fail every
    // connect at once"), so the command line refuses it.
    [Theory]
    [InlineData("0.0004")]
    [InlineData("0.0000001")]
    public void SubMillisecondConnectTimeout_IsRefusedAsUsageError(string seconds) =>
        Assert.Throws<UsageException>(() => ParseCommandLine("--connect-timeout", seconds));

    [Theory]
    [InlineData("30")]
    [InlineData("0.4")]
    [InlineData("32767")]
    public void KeepAliveFromTheCommandLine_SurvivesTheHandover(string seconds)
    {
        var settings = ParseCommandLine("--keepalive", seconds);

        Assert.Equal(settings.Relay.KeepAlive, ConnectorHandover.RoundTrip(settings).Relay.KeepAlive);
    }

    [Fact]
    public void NamedRoutes_SurviveTheHandover_InOrder_WithTheirTargets()
    {
        var relay = new RelayOptions
        {
            Routes =
            [
                new RelayRoute("web", [IPEndPoint.Parse("127.0.0.1:80"), IPEndPoint.Parse("[::1]:80")]),
                new RelayRoute("db", [IPEndPoint.Parse("10.0.0.2:5432")]),
                new RelayRoute("sock", [new System.Net.Sockets.UnixDomainSocketEndPoint("/run/a,b.sock")]),
                new RelayRoute(null, [IPEndPoint.Parse("127.0.0.1:1"), IPEndPoint.Parse("127.0.0.2:1")]),
            ],
        };

        var parsed = ConnectorSettings.Parse(new ConnectorSettings(relay, false, LogLevel.Info).Format()).Relay;

        Assert.Equal(
            ["web: 127.0.0.1:80 or [::1]:80", "db: 10.0.0.2:5432", "sock: unix:/run/a,b.sock", ": 127.0.0.1:1 or 127.0.0.2:1"],
            parsed.Routes.Select(route => $"{route.Name}: {route.TargetName}"));
    }

    [Fact]
    public void TheSingleForward_IsRoute0_WithoutAName()
    {
        string text = new ConnectorSettings(new RelayOptions { Routes = [To("127.0.0.1:80")] }, false, LogLevel.Info).Format();

        Assert.Contains("route.0.connect=127.0.0.1:80\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("route.1.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("name=", text, StringComparison.Ordinal);
    }

    private static void AssertTimeoutSurvivesHandover(string seconds)
    {
        // The listener hands the timeout to the connector as whole milliseconds; a timeout the
        // parser accepted (> 0) must not arrive as 0 ms.
        var settings = ParseCommandLine("--connect-timeout", seconds);
        var received = ConnectorHandover.RoundTrip(settings);

        Assert.True(received.Relay.ConnectTimeout > TimeSpan.Zero, $"--connect-timeout {seconds} arrived as {received.Relay.ConnectTimeout}");
    }

    private static RelayRoute To(string target, string? name = null) => new(name, [IPEndPoint.Parse(target)]);

    private static BridgeSettings ParseCommandLine(string option, string value) =>
        Assert.IsType<CommandLineRequest.RunBridge>(
            CommandLineParser.Parse(["-l", "127.0.0.1:1", "-c", "127.0.0.1:2", option, value])).Settings;
}
