using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>--proxy-protocol, --accept-proxy and --accept-proxy-timeout: parsing, errors, and the way to the connector.</summary>
public class ProxyProtocolOptionTests
{
    private static readonly string[] Base = ["-l", "127.0.0.1:8080", "-c", "127.0.0.1:9090"];

    [Fact]
    public void Defaults_NoHeaderSentNoneExpected()
    {
        var settings = Run();

        Assert.Equal(ProxyProtocolVersion.None, settings.Rules[0].SendProxyHeader);
        Assert.False(settings.Rules[0].AcceptProxyHeader);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Relay.ProxyHeaderTimeout);
    }

    [Theory]
    [InlineData("--proxy-protocol", "v1", ProxyProtocolVersion.V1)]
    [InlineData("--proxy-protocol", "v2", ProxyProtocolVersion.V2)]
    [InlineData("--proxy-protocol=v1", null, ProxyProtocolVersion.V1)]
    [InlineData("--proxy-protocol=v2", null, ProxyProtocolVersion.V2)]
    public void ProxyProtocol_SetsTheVersion(string option, string? value, ProxyProtocolVersion expected)
    {
        var rule = Run(value is null ? [option] : [option, value]).Rules[0];

        Assert.Equal(expected, rule.SendProxyHeader);
        Assert.False(rule.AcceptProxyHeader);
    }

    [Theory]
    [InlineData("V1")]
    [InlineData("1")]
    [InlineData("v3")]
    [InlineData("v0")]
    [InlineData("")]
    [InlineData(" v1")]
    [InlineData("v1\n")]
    public void ProxyProtocol_OtherValues_AreAUsageErrorNamingOptionAndValue(string value)
    {
        var e = Fails("--proxy-protocol", value);

        Assert.Contains("--proxy-protocol", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected v1 or v2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProxyProtocol_WithoutValue_IsAUsageError()
    {
        var e = Fails("--proxy-protocol");

        Assert.Contains("option --proxy-protocol needs a value (VERSION)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProxyProtocol_Twice_IsAUsageError()
    {
        var e = Fails("--proxy-protocol", "v1", "--proxy-protocol", "v2");

        Assert.Contains("--proxy-protocol given more than once", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptProxy_IsAFlagWithTheDefaultTimeout()
    {
        var settings = Run("--accept-proxy");

        Assert.True(settings.Rules[0].AcceptProxyHeader);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.Relay.ProxyHeaderTimeout);
        Assert.Equal(ProxyProtocolVersion.None, settings.Rules[0].SendProxyHeader);
    }

    [Fact]
    public void AcceptProxy_WithAValue_IsAUsageError()
    {
        var e = Fails("--accept-proxy=v1");

        Assert.Contains("--accept-proxy", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2", 2000)]
    [InlineData("0.25", 250)]
    [InlineData("86400", 86_400_000)]
    public void AcceptProxyTimeout_WithAcceptProxy_SetsTheTimeout(string seconds, int milliseconds)
    {
        var relay = Run("--accept-proxy", "--accept-proxy-timeout", seconds).Relay;

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), relay.ProxyHeaderTimeout);
    }

    [Fact]
    public void AcceptProxyTimeout_WithoutAcceptProxy_IsAUsageErrorNamingBoth()
    {
        var e = Fails("--accept-proxy-timeout", "3");

        Assert.Contains("--accept-proxy-timeout needs --accept-proxy", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("abc")]
    [InlineData("86401")]
    [InlineData("")]
    public void AcceptProxyTimeout_BadValue_IsAUsageErrorNamingOptionAndValue(string value)
    {
        var e = Fails("--accept-proxy", "--accept-proxy-timeout", value);

        Assert.Contains($"invalid value '{value}' for --accept-proxy-timeout", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BothWays_AtOnce_PassTheOriginalAddressThrough()
    {
        var settings = Run("--accept-proxy", "--proxy-protocol", "v2");

        var single = Assert.Single(settings.Rules);
        Assert.True(single.AcceptProxyHeader);
        Assert.Equal(ProxyProtocolVersion.V2, single.SendProxyHeader);
    }

    [Theory]
    [InlineData("--proxy-protocol", "v1")]
    [InlineData("--accept-proxy", null)]
    public void WithThePreconnectedSocket_IsAllowed(string option, string? value)
    {
        var request = CommandLineParser.Parse(["-l", "127.0.0.1:1", "-C", "5", option, .. value is null ? Array.Empty<string>() : [value]]);

        Assert.IsType<CommandLineRequest.RunBridge>(request);
    }

    [Theory]
    [InlineData(ProxyProtocolVersion.None, false, 5000)]
    [InlineData(ProxyProtocolVersion.V1, false, 5000)]
    [InlineData(ProxyProtocolVersion.V2, true, 250)]
    [InlineData(ProxyProtocolVersion.None, true, 86_400_000)]
    public void Settings_ReachTheConnectorUnchanged(ProxyProtocolVersion version, bool accept, int timeoutMilliseconds)
    {
        var route = new RelayRoute(null, [System.Net.IPEndPoint.Parse("127.0.0.1:80")]) { SendProxyHeader = version, AcceptProxyHeader = accept };
        var relay = new RelayOptions { Routes = [route], ProxyHeaderTimeout = TimeSpan.FromMilliseconds(timeoutMilliseconds) };
        var sent = new ConnectorSettings(relay, false, LogLevel.Info);

        var received = ConnectorSettings.Parse(sent.Format());

        Assert.Equal(version, received.Relay.Routes[0].SendProxyHeader);
        Assert.Equal(accept, received.Relay.Routes[0].AcceptProxyHeader);
        if (accept)
        {
            Assert.Equal(relay.ProxyHeaderTimeout, received.Relay.ProxyHeaderTimeout);
        }
    }

    [Fact]
    public void Settings_Lines_AreThereOnlyWhenOn()
    {
        var route = new RelayRoute(null, [System.Net.IPEndPoint.Parse("127.0.0.1:80")]);
        string off = new ConnectorSettings(new RelayOptions { Routes = [route] }, false, LogLevel.Info).Format();
        string on = new ConnectorSettings(new RelayOptions { Routes = [route with { SendProxyHeader = ProxyProtocolVersion.V2, AcceptProxyHeader = true }] }, false, LogLevel.Info).Format();

        Assert.DoesNotContain("proxy", off, StringComparison.Ordinal);
        Assert.Contains("proxy-protocol=v2\n", on, StringComparison.Ordinal);
        Assert.Contains("accept-proxy-timeout-ms=5000\n", on, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("route.0.proxy-protocol=v3")]
    [InlineData("route.0.proxy-protocol=")]
    [InlineData("route.0.proxy-protocol=V1")]
    public void Settings_UnknownProxyProtocol_IsRejectedNamingIt(string line)
    {
        string text = new ConnectorSettings(new RelayOptions { Routes = [new RelayRoute(null, [System.Net.IPEndPoint.Parse("127.0.0.1:80")])] }, false, LogLevel.Info).Format() + line + "\n";

        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(text));

        Assert.Contains("proxy-protocol", e.Message, StringComparison.Ordinal);
    }

    // ---- per rule ----------------------------------------------------------------------------

    [Fact]
    public void Rules_TakeTheCommandLineOptionsAsDefaults_AndMaySetTheirOwn()
    {
        var rules = RunRules(
            ["--proxy-protocol", "v1", "--accept-proxy"],
            "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2",
            "name=b,listen=127.0.0.1:3,connect=127.0.0.1:4,proxy-protocol=v2,accept-proxy=no",
            "name=c,listen=127.0.0.1:5,connect=127.0.0.1:6,proxy-protocol=none").Rules;

        Assert.Equal([ProxyProtocolVersion.V1, ProxyProtocolVersion.V2, ProxyProtocolVersion.None], rules.Select(rule => rule.SendProxyHeader));
        Assert.Equal([true, false, true], rules.Select(rule => rule.AcceptProxyHeader));
    }

    [Fact]
    public void Rules_WithoutTheOptions_HaveNoProxyProtocolUnlessTheySaySo()
    {
        var rules = RunRules([],
            "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2",
            "name=b,listen=127.0.0.1:3,connect=127.0.0.1:4,accept-proxy=yes,proxy-protocol=v1").Rules;

        Assert.Equal([ProxyProtocolVersion.None, ProxyProtocolVersion.V1], rules.Select(rule => rule.SendProxyHeader));
        Assert.Equal([false, true], rules.Select(rule => rule.AcceptProxyHeader));
    }

    [Theory]
    [InlineData("proxy-protocol=v3", "invalid value 'v3': expected v1, v2 or none")]
    [InlineData("proxy-protocol=", "invalid value '': expected v1, v2 or none")]
    [InlineData("accept-proxy=maybe", "invalid value 'maybe': expected yes or no")]
    public void Rule_BadProxyKey_IsAUsageErrorNamingTheRuleAndKey(string pair, string why)
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(["--rule", $"name=a,listen=127.0.0.1:1,connect=127.0.0.1:2,{pair}"]));

        Assert.Contains("--rule #1", e.Message, StringComparison.Ordinal);
        Assert.Contains(why, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AcceptProxyTimeout_WithARuleThatAccepts_IsAllowed()
    {
        var settings = RunRules(["--accept-proxy-timeout", "9"],
            "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2",
            "name=b,listen=127.0.0.1:3,connect=127.0.0.1:4,accept-proxy=yes");

        Assert.Equal(TimeSpan.FromSeconds(9), settings.Relay.ProxyHeaderTimeout);
    }

    [Fact]
    public void AcceptProxyTimeout_WhenNoRuleAccepts_IsAUsageError()
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(
            ["--accept-proxy", "--accept-proxy-timeout", "9", "--rule", "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2,accept-proxy=no"]));

        Assert.Contains("--accept-proxy-timeout needs --accept-proxy (or a rule with accept-proxy = yes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_WithRoutes_CarryEachRoutesOwnProxySettings()
    {
        var relay = new RelayOptions
        {
            ProxyHeaderTimeout = TimeSpan.FromMilliseconds(1500),
            Routes =
            [
                new RelayRoute("a", [System.Net.IPEndPoint.Parse("127.0.0.1:80")]) { SendProxyHeader = ProxyProtocolVersion.V2 },
                new RelayRoute("b", [System.Net.IPEndPoint.Parse("127.0.0.1:81")]) { AcceptProxyHeader = true },
                new RelayRoute("c", [System.Net.IPEndPoint.Parse("127.0.0.1:82")]),
                new RelayRoute("d", [System.Net.IPEndPoint.Parse("127.0.0.1:83")]) { SendProxyHeader = ProxyProtocolVersion.V1, AcceptProxyHeader = true },
            ],
        };
        string text = new ConnectorSettings(relay, false, LogLevel.Info).Format();

        var routes = ConnectorSettings.Parse(text).Relay.Routes;

        Assert.Equal(
            ["a V2 False", "b None True", "c None False", "d V1 True"],
            routes.Select(route => $"{route.Name} {route.SendProxyHeader} {route.AcceptProxyHeader}"));
        Assert.Contains("route.1.accept-proxy=1\n", text, StringComparison.Ordinal);
        Assert.Contains("route.3.proxy-protocol=v1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("route.2.", text.Replace("route.2.name", string.Empty, StringComparison.Ordinal).Replace("route.2.connect", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("accept-proxy-timeout-ms=1500\n", text, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), ConnectorSettings.Parse(text).Relay.ProxyHeaderTimeout);
    }

    [Theory]
    [InlineData("route.0.accept-proxy=0")]
    [InlineData("route.0.accept-proxy=yes")]
    public void Settings_MalformedAcceptProxyLine_IsRejected(string line)
    {
        string text = new ConnectorSettings(new RelayOptions { Routes = [new RelayRoute(null, [System.Net.IPEndPoint.Parse("127.0.0.1:80")])] }, false, LogLevel.Info).Format() + line + "\n";

        var e = Assert.Throws<InvalidDataException>(() => ConnectorSettings.Parse(text));

        Assert.Contains("accept-proxy", e.Message, StringComparison.Ordinal);
    }

    private static BridgeSettings RunRules(string[] options, params string[] rules) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse([.. options, .. rules.SelectMany(rule => new[] { "--rule", rule })])).Settings;

    private static BridgeSettings Run(params string[] extra) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse([.. Base, .. extra])).Settings;

    private static UsageException Fails(params string[] extra)
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse([.. Base, .. extra]));
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
