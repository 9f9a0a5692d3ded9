using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using Xunit;
using static NetnsTcpBridge.Tests.CommandLine.CommandLineRuns;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>--accept-proxy-from and the rule key accept-proxy-from: parsing, errors, defaults, and the way to the connector.</summary>
public sealed class AcceptProxyFromTests : IDisposable
{
    private static readonly string[] Base = ["-l", "127.0.0.1:8080", "-c", "127.0.0.1:9090"];
    private readonly string _directory = Directory.CreateTempSubdirectory("ntb-proxy-from-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void WithoutIt_EveryPeerIsTrusted()
    {
        Assert.Null(Run([.. Base, "--accept-proxy"]).Rules[0].AcceptProxyFrom);
    }

    [Fact]
    public void WithAcceptProxy_ReachesTheForwardAndTheConnector()
    {
        var settings = Run([.. Base, "--accept-proxy", "--accept-proxy-from", "10.0.0.0/8,fd00::/8"]);

        var rule = settings.Rules[0];
        Assert.Equal("10.0.0.0/8,fd00::/8", rule.AcceptProxyFrom?.ToString());
        var relay = settings.Relay with { Routes = [NetnsTcpBridge.Parts.Listener.ConnectorGroup.RouteOf(rule, [System.Net.IPEndPoint.Parse("127.0.0.1:9")])] };
        var received = ConnectorSettings.Parse(new ConnectorSettings(relay, false, LogLevel.Info).Format()).Relay;
        Assert.Equal(rule.AcceptProxyFrom, received.Routes[0].AcceptProxyFrom);
    }

    [Fact]
    public void WithoutAcceptProxy_IsAUsageError()
    {
        var e = Fails([.. Base, "--accept-proxy-from", "10.0.0.0/8"]);

        Assert.Equal("--accept-proxy-from says whose PROXY header to believe: it needs --accept-proxy (or a rule with accept-proxy = yes)", e.Message);
    }

    [Theory]
    [InlineData("unix:/run/front.sock")]
    [InlineData("unix:@front")]
    public void OnAUnixListener_IsAUsageError(string listen)
    {
        var e = Fails(["-l", listen, "-c", "127.0.0.1:9090", "--accept-proxy", "--accept-proxy-from", "10.0.0.0/8"]);

        Assert.Contains("--accept-proxy-from names IP prefixes, but the listener is a UNIX socket", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "invalid value '' for --accept-proxy-from: no prefix")]
    [InlineData("10.0.0.1/8", "invalid value '10.0.0.1/8' for --accept-proxy-from: it has bits set past its /8; write the network's first address, 10.0.0.0/8")]
    [InlineData("10.0.0.0/8,web", "invalid value '10.0.0.0/8,web' for --accept-proxy-from: prefix #2: not an IP address")]
    public void BadValue_IsAUsageErrorSayingWhy(string value, string expected)
    {
        var e = Fails([.. Base, "--accept-proxy", "--accept-proxy-from", value]);

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_TakeTheOptionAsDefault_WhenTheyReadAHeaderOnAnIpAddress_AndMaySetTheirOwn()
    {
        var rules = Run([
            "--accept-proxy", "--accept-proxy-from", "10.0.0.0/8",
            "--rule", "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2",
            "--rule", "name=b,listen=127.0.0.1:3,connect=127.0.0.1:4,accept-proxy-from=192.0.2.1 192.0.2.2",
            "--rule", "name=c,listen=127.0.0.1:5,connect=127.0.0.1:6,accept-proxy=no",
            "--rule", "name=d,listen=unix:@d,connect=127.0.0.1:6"]).Rules;

        Assert.Equal(["10.0.0.0/8", "192.0.2.1/32,192.0.2.2/32", null, null], rules.Select(rule => rule.AcceptProxyFrom?.ToString()));
    }

    [Fact]
    public void ConfigFile_Key_TakesCommas()
    {
        string path = Path.Combine(_directory, "rules.conf");
        File.WriteAllLines(path, ["[web]", "listen = 127.0.0.1:1", "connect = 127.0.0.1:2", "accept-proxy = yes", "accept-proxy-from = 10.0.0.0/8, fd00::/8"]);

        var rule = Run(["--config", path]).Rules[0];

        Assert.Equal("10.0.0.0/8,fd00::/8", rule.AcceptProxyFrom?.ToString());
    }

    [Theory]
    [InlineData("name=a,listen=127.0.0.1:1,connect=127.0.0.1:2,accept-proxy-from=10.0.0.0/8", "--rule #1: key accept-proxy-from: accept-proxy-from says whose PROXY header to believe, but rule 'a' reads none: add accept-proxy = yes")]
    [InlineData("name=a,listen=unix:@a,connect=127.0.0.1:2,accept-proxy=yes,accept-proxy-from=10.0.0.0/8", "--rule #1: key accept-proxy-from: accept-proxy-from names IP prefixes, but rule 'a' listens on a UNIX socket")]
    [InlineData("name=a,listen=127.0.0.1:1,connect=127.0.0.1:2,accept-proxy=yes,accept-proxy-from=10.0.0.1/8", "--rule #1: key accept-proxy-from: invalid value '10.0.0.1/8': it has bits set past its /8")]
    public void RuleKey_Misused_IsAUsageErrorNamingTheRule(string rule, string expected)
    {
        var e = Fails(["--rule", rule]);

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Option_WhenNoRuleReadsAHeader_IsAUsageError()
    {
        var e = Fails(["--accept-proxy-from", "10.0.0.0/8", "--rule", "name=a,listen=127.0.0.1:1,connect=127.0.0.1:2"]);

        Assert.Contains("it needs --accept-proxy (or a rule with accept-proxy = yes)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Option_WhenOnlyUnixRulesReadAHeader_IsAUsageError()
    {
        var e = Fails(["--accept-proxy", "--accept-proxy-from", "10.0.0.0/8", "--rule", "name=a,listen=unix:@a,connect=127.0.0.1:2"]);

        Assert.Contains("every listener that reads a PROXY header is a UNIX socket", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectorSettings_CarryEachRoutesOwnList()
    {
        Assert.True(TrustedProxies.TryParse("10.0.0.0/8", out var first, out _));
        Assert.True(TrustedProxies.TryParse("192.0.2.0/24,2001:db8::/32", out var second, out _));
        var relay = new RelayOptions
        {
            Routes =
            [
                new RelayRoute("a", [System.Net.IPEndPoint.Parse("127.0.0.1:80")]) { AcceptProxyHeader = true, AcceptProxyFrom = first },
                new RelayRoute("b", [System.Net.IPEndPoint.Parse("127.0.0.1:81")]) { AcceptProxyHeader = true, AcceptProxyFrom = second },
                new RelayRoute("c", [System.Net.IPEndPoint.Parse("127.0.0.1:82")]) { AcceptProxyHeader = true },
            ],
        };
        string text = new ConnectorSettings(relay, false, LogLevel.Info).Format();

        var routes = ConnectorSettings.Parse(text).Relay.Routes;

        Assert.Equal([first, second, null], routes.Select(route => route.AcceptProxyFrom));
        Assert.Contains("route.0.accept-proxy-from=10.0.0.0/8\n", text, StringComparison.Ordinal);
        Assert.Contains("route.1.accept-proxy-from=192.0.2.0/24,2001:db8::/32\n", text, StringComparison.Ordinal);
    }
}
