using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Tests.Support;
using Xunit;
using static NetnsTcpBridge.Tests.CommandLine.CommandLineRuns;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>--log-format, --idle-timeout, --backlog, --max-connections-per-source, --source-prefix: values, defaults, errors.</summary>
public class LogsAndLimitsOptionsTests
{
    private static readonly string[] Base = ["-l", "127.0.0.1:8080", "-c", "127.0.0.1:9090"];

    [Fact]
    public void Defaults_TextLogs_NoIdleTimeout_Backlog4096_NoPerSourceLimit()
    {
        var run = Run(Base);

        Assert.Equal(LogFormat.Text, run.LogFormat);
        Assert.Null(run.Settings.Relay.IdleTimeout);
        Assert.Equal(4096, run.Settings.Backlog);
        Assert.Null(run.Settings.Relay.MaxConnectionsPerSource);
        Assert.Equal(new SourcePrefixes(32, 64), run.Settings.Relay.SourcePrefixes);
    }

    [Theory]
    [InlineData("--log-format", "json", LogFormat.Json)]
    [InlineData("--log-format", "text", LogFormat.Text)]
    [InlineData("--log-format=json", null, LogFormat.Json)]
    public void LogFormat_IsTextOrJson(string option, string? value, LogFormat expected)
    {
        var run = Run([.. Base, .. value is null ? new[] { option } : [option, value]]);

        Assert.Equal(expected, run.LogFormat);
    }

    [Theory]
    [InlineData("JSON")]
    [InlineData("xml")]
    [InlineData("")]
    public void LogFormat_Other_IsAnErrorNamingOptionAndValue(string value)
    {
        var e = Fails([.. Base, "--log-format", value]);

        Assert.Contains($"invalid value '{value}' for --log-format: expected text or json", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("300", 300_000)]
    [InlineData("0.5", 500)]
    [InlineData("0.001", 1)]
    [InlineData("86400", 86_400_000)]
    public void IdleTimeout_InSeconds(string value, long milliseconds)
    {
        var run = Run([.. Base, "--idle-timeout", value]);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), run.Settings.Relay.IdleTimeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("86401")]
    [InlineData("5m")]
    [InlineData("0.0001")]
    [InlineData("")]
    public void IdleTimeout_OutOfRangeOrNotSeconds_IsAnError(string value)
    {
        var e = Fails([.. Base, "--idle-timeout", value]);

        Assert.Contains($"invalid value '{value}' for --idle-timeout", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("128", 128)]
    [InlineData("65535", 65535)]
    public void Backlog_From1To65535(string value, int expected)
    {
        Assert.Equal(expected, Run([.. Base, "--backlog", value]).Settings.Backlog);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-5")]
    [InlineData("lots")]
    [InlineData("")]
    public void Backlog_OutOfRange_IsAnErrorNamingTheRange(string value)
    {
        var e = Fails([.. Base, "--backlog", value]);

        Assert.Contains($"invalid value '{value}' for --backlog: expected a whole number from 1 to 65535", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-L", "3")]
    [InlineData("-S", "3")]
    public void Backlog_WithASocketTheBridgeDidNotCreate_IsAnError(string option, string fd)
    {
        var e = Fails(option, fd, "-c", "127.0.0.1:9090", "--backlog", "16");

        Assert.Contains("--backlog applies to a socket the bridge creates with -l/--listen", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Backlog_WithSocketActivation_IsAnError()
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["-c", "127.0.0.1:9090", "--backlog", "16"], socketsPassed: 1));

        Assert.Contains("Backlog=", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("2", 2)]
    [InlineData("10000000", 10_000_000)]
    public void MaxConnectionsPerSource_IsACount(string value, int expected)
    {
        Assert.Equal(expected, Run([.. Base, "--max-connections-per-source", value]).Settings.Relay.MaxConnectionsPerSource);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("10000001")]
    [InlineData("two")]
    [InlineData("")]
    public void MaxConnectionsPerSource_OutOfRange_IsAnError(string value)
    {
        var e = Fails([.. Base, "--max-connections-per-source", value]);

        Assert.Contains($"invalid value '{value}' for --max-connections-per-source: expected a whole number from 1 to 10000000", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("24", 24, 64)]
    [InlineData("24,56", 24, 56)]
    [InlineData("32,128", 32, 128)]
    [InlineData("0,0", 0, 0)]
    public void SourcePrefix_IsV4AndMaybeV6(string value, int v4, int v6)
    {
        var relay = Run([.. Base, "--max-connections-per-source", "2", "--source-prefix", value]).Settings.Relay;

        Assert.Equal(new SourcePrefixes(v4, v6), relay.SourcePrefixes);
    }

    [Theory]
    [InlineData("33")]
    [InlineData("24,129")]
    [InlineData("24,64,8")]
    [InlineData("/24")]
    [InlineData("")]
    public void SourcePrefix_OutOfRange_IsAnError(string value)
    {
        var e = Fails([.. Base, "--max-connections-per-source", "2", "--source-prefix", value]);

        Assert.Contains($"invalid value '{value}' for --source-prefix: expected an IPv4 prefix length from 0 to 32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SourcePrefix_WithoutAPerSourceLimit_IsAnError()
    {
        var e = Fails([.. Base, "--source-prefix", "24"]);

        Assert.Contains("--source-prefix says what --max-connections-per-source counts as one source: it needs --max-connections-per-source N", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-format", "json")]
    [InlineData("--idle-timeout", "5")]
    [InlineData("--backlog", "5")]
    [InlineData("--max-connections-per-source", "5")]
    public void GivenTwice_IsAnError(string option, string value)
    {
        var e = Fails([.. Base, option, value, option, value]);

        Assert.Contains($"option {option} given more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllTogether_ReachTheirSettings()
    {
        var run = Run([.. Base, "-v", "--log-format", "json", "--idle-timeout", "60", "--backlog", "100", "--max-connections-per-source", "8"]);

        Assert.True(run.Verbose);
        Assert.Equal(LogFormat.Json, run.LogFormat);
        Assert.Equal(TimeSpan.FromSeconds(60), run.Settings.Relay.IdleTimeout);
        Assert.Equal(100, run.Settings.Backlog);
        Assert.Equal(8, run.Settings.Relay.MaxConnectionsPerSource);
    }

    [Fact]
    public void IdleTimeoutAndPerSourceLimit_SurviveTheHandoverToTheConnector()
    {
        var settings = Run([.. Base, "--idle-timeout", "0.25", "--max-connections-per-source", "3", "--source-prefix", "16,48"]).Settings;

        var received = ConnectorHandover.RoundTrip(settings).Relay;

        Assert.Equal(TimeSpan.FromMilliseconds(250), received.IdleTimeout);
        Assert.Equal(3, received.MaxConnectionsPerSource);
        Assert.Equal(new SourcePrefixes(16, 48), received.SourcePrefixes);
    }

    private static CommandLineRequest.RunBridge Run(string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));
}
