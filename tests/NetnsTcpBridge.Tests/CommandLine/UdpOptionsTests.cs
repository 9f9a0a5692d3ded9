using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>udp: addresses on -l, -c and in rules; what goes with them and what is refused, each in one line.</summary>
public class UdpOptionsTests
{
    [Fact]
    public void UdpListenAndConnect_MakeAUdpForward_WithTheDefaults()
    {
        var run = Run("-l", "udp:127.0.0.53:53", "-c", "udp:10.0.0.2:53");

        Assert.Equal(ForwardProtocol.Udp, run.Settings.Rules[0].Protocol);
        Assert.Equal(new ListenSource.Address(IPEndPoint.Parse("127.0.0.53:53")), run.Settings.Rules[0].Listen);
        Assert.Equal(new ConnectTarget.Address(IPEndPoint.Parse("10.0.0.2:53")), run.Settings.Rules[0].Connect);
        Assert.True(run.Settings.Rules[0].IsUdp);
        Assert.Equal(RelayOptions.DefaultUdpIdleTimeout, run.Settings.Relay.UdpIdleTimeout);
        Assert.Equal(RelayOptions.DefaultMaxUdpFlows, run.Settings.Relay.MaxUdpFlows);
    }

    [Fact]
    public void UdpIPv6Addresses_AndAHostNameTarget_AreTaken()
    {
        var run = Run("-l", "udp:[::1]:53", "-c", "udp:resolver.example:5353");

        Assert.Equal(new ListenSource.Address(IPEndPoint.Parse("[::1]:53")), run.Settings.Rules[0].Listen);
        Assert.Equal(new ConnectTarget.HostName("resolver.example", 5353), run.Settings.Rules[0].Connect);
    }

    [Fact]
    public void TcpAddresses_StayTcp()
    {
        Assert.Equal(ForwardProtocol.Tcp, Run("-l", "127.0.0.1:53", "-c", "127.0.0.1:53").Settings.Rules[0].Protocol);
    }

    [Fact]
    public void FlowOptions_AreRead()
    {
        var run = Run("-l", "udp:127.0.0.1:53", "-c", "udp:127.0.0.1:5353", "--udp-idle-timeout", "2.5", "--max-udp-flows", "10");

        Assert.Equal(TimeSpan.FromMilliseconds(2500), run.Settings.Relay.UdpIdleTimeout);
        Assert.Equal(10, run.Settings.Relay.MaxUdpFlows);
    }

    [Theory]
    [InlineData("udp:127.0.0.1:53", "127.0.0.1:53", "-l/--listen is a UDP address but -c/--connect is not")]
    [InlineData("127.0.0.1:53", "udp:127.0.0.1:53", "-c/--connect is a UDP address but -l/--listen is not")]
    [InlineData("udp:127.0.0.1:53", "unix:/run/x.sock", "-l/--listen is a UDP address but -c/--connect is not")]
    public void OneSideUdp_TheOtherTcp_IsRefused(string listen, string connect, string expected)
    {
        Assert.Contains(expected, Fails("-l", listen, "-c", connect).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-L")]
    [InlineData("-S")]
    public void InheritedClientSocket_WithUdpTarget_IsRefused(string option)
    {
        Assert.Contains("pass TCP sockets only", Fails(option, "3", "-c", "udp:127.0.0.1:53").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PreconnectedSocket_WithUdpListener_IsRefused()
    {
        Assert.Contains("-C/--connect-fd passes a TCP socket only", Fails("-l", "udp:127.0.0.1:53", "-C", "3").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("udp:localhost:53", "is not an IP address")]
    [InlineData("udp:127.0.0.1", "the port is missing")]
    [InlineData("udp:::1:53", "must be in brackets")]
    [InlineData("udp:unix:/x", "is not an IP address")]
    public void BadUdpListenAddress_IsRefused_NamingTheSyntax(string listen, string expected)
    {
        string message = Fails("-l", listen, "-c", "udp:127.0.0.1:53").Message;

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains("udp:IP:PORT", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UdpTargetWithPortZero_IsRefused()
    {
        Assert.Contains("port '0'", Fails("-l", "udp:127.0.0.1:53", "-c", "udp:127.0.0.1:0").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--keepalive", "5")]
    [InlineData("--proxy-protocol", "v1")]
    [InlineData("--accept-proxy", null)]
    [InlineData("--max-connections", "5")]
    [InlineData("--idle-timeout", "5")]
    [InlineData("--threads", "2")]
    public void TcpOnlyOption_WithOnlyUdpForwards_IsRefused(string option, string? value)
    {
        string[] args = value is null ? [option] : [option, value];

        var e = Fails(["-l", "udp:127.0.0.1:53", "-c", "udp:127.0.0.1:5353", .. args]);

        Assert.Contains($"{option} applies to TCP forwards", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--udp-idle-timeout", "5")]
    [InlineData("--max-udp-flows", "5")]
    public void UdpOption_WithoutUdpForward_IsRefused(string option, string value)
    {
        Assert.Contains($"{option} applies to UDP forwards, and there is none", Fails("-l", "127.0.0.1:53", "-c", "127.0.0.1:5353", option, value).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-udp-flows", "0")]
    [InlineData("--max-udp-flows", "x")]
    [InlineData("--udp-idle-timeout", "0")]
    [InlineData("--udp-idle-timeout", "-1")]
    public void BadFlowOptionValue_IsRefused(string option, string value)
    {
        Assert.Contains($"invalid value '{value}' for {option}", Fails("-l", "udp:127.0.0.1:53", "-c", "udp:127.0.0.1:5353", option, value).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_MayMixUdpAndTcp_AndTcpOptionsThenApply()
    {
        var run = Run(
            "--rule", "name=dns,listen=udp:127.0.0.53:53,connect=udp:10.0.0.2:53",
            "--rule", "name=web,listen=127.0.0.1:80,connect=10.0.0.2:80",
            "--proxy-protocol", "v2", "--max-udp-flows", "8");

        var rules = run.Settings.Rules;
        Assert.True(rules[0].IsUdp);
        Assert.Equal(NetnsTcpBridge.ProxyProtocol.ProxyProtocolVersion.None, rules[0].SendProxyHeader); // the default is for TCP rules
        Assert.False(rules[1].IsUdp);
        Assert.Equal(NetnsTcpBridge.ProxyProtocol.ProxyProtocolVersion.V2, rules[1].SendProxyHeader);
        Assert.Equal(8, run.Settings.Relay.MaxUdpFlows);
    }

    [Theory]
    [InlineData("name=a,listen=udp:127.0.0.1:53,connect=127.0.0.1:53", "rule 'a' has a UDP listen address but a TCP connect one")]
    [InlineData("name=a,listen=127.0.0.1:53,connect=udp:127.0.0.1:53", "rule 'a' has a UDP connect address but a TCP listen one")]
    [InlineData("name=a,listen=udp:127.0.0.1:53,connect=udp:127.0.0.1:5353,proxy-protocol=v1", "proxy-protocol applies to TCP rules")]
    [InlineData("name=a,listen=udp:127.0.0.1:53,connect=udp:127.0.0.1:5353,accept-proxy=yes", "accept-proxy applies to TCP rules")]
    [InlineData("name=a,listen=udp:127.0.0.1:53,connect=udp:unix:/x", "invalid UDP address")]
    public void BadUdpRule_IsRefused(string rule, string expected)
    {
        Assert.Contains(expected, Fails("--rule", rule).Message, StringComparison.Ordinal);
    }

    private static CommandLineRequest.RunBridge Run(params string[] args) =>
        Assert.IsType<CommandLineRequest.RunBridge>(CommandLineParser.Parse(args));

    private static UsageException Fails(params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => CommandLineParser.Parse(args));
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }
}
