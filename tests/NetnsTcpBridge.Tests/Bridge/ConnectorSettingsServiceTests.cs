using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Privileges;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Bridge;

/// <summary>The settings lines for --metrics and --user that travel to the connector.</summary>
public class ConnectorSettingsServiceTests
{
    private static readonly RelayOptions Relay = new() { Routes = [new RelayRoute(null, [IPEndPoint.Parse("127.0.0.1:80")])], Threads = 2, PipeSize = 0 };

    [Fact]
    public void Format_WithMetricsAndUser_AddsTheirLines()
    {
        var settings = new ConnectorSettings(Relay, false, LogLevel.Info) { ServesMetrics = true, RunAs = new RunAsUser(65534, 65533, "nobody") };

        Assert.EndsWith("log-level=2\nlog-format=text\nmetrics=1\nuser=65534:65533\n", settings.Format(), StringComparison.Ordinal);
    }

    [Fact]
    public void Format_WithoutThem_HasNoSuchLines()
    {
        string text = new ConnectorSettings(Relay, false, LogLevel.Info).Format();

        Assert.DoesNotContain("metrics", text, StringComparison.Ordinal);
        Assert.DoesNotContain("user", text, StringComparison.Ordinal);
    }

    [Fact]
    public void FormatThenParse_KeepsMetricsAndTheIds()
    {
        var settings = new ConnectorSettings(Relay, true, LogLevel.Debug) { ServesMetrics = true, RunAs = new RunAsUser(1000, 100, "1000:100") };

        var parsed = ConnectorSettings.Parse(settings.Format());

        Assert.True(parsed.ServesMetrics);
        Assert.Equal(1000u, parsed.RunAs!.UserId);
        Assert.Equal(100u, parsed.RunAs.GroupId);
    }

    [Theory]
    [InlineData("user=nobody")]
    [InlineData("user=1:2:3")]
    [InlineData("user=-1:0")]
    [InlineData("user=")]
    public void Parse_BadUserLine_IsRejected(string line)
    {
        string text = new ConnectorSettings(Relay, false, LogLevel.Info).Format() + line + "\n";

        Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(text));
    }
}
