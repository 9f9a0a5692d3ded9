using System.Net;
using NetnsTcpBridge.Bridge;
using NetnsTcpBridge.Cli.CommandLine;
using NetnsTcpBridge.Logging;
using NetnsTcpBridge.Tests.Support;
using Xunit;
using static NetnsTcpBridge.Tests.CommandLine.CommandLineRuns;

namespace NetnsTcpBridge.Tests.CommandLine;

/// <summary>--proxy-protocol-loopback-as: parsed, checked, and carried to the connector.</summary>
public sealed class ProxyLoopbackSourceTests
{
    private static readonly string[] Base = ["-l", "127.0.0.1:8080", "-c", "127.0.0.1:9090"];

    [Theory]
    [InlineData("192.0.2.77")]
    [InlineData("2001:db8::7")]
    public void Address_IsCarriedToTheConnector(string address)
    {
        var settings = Run([.. Base, "--proxy-protocol", "v2", "--proxy-protocol-loopback-as", address]);
        Assert.Equal(IPAddress.Parse(address), settings.Relay.ProxyLoopbackSource);
        var received = ConnectorHandover.RoundTrip(settings).Relay;
        Assert.Equal(IPAddress.Parse(address), received.ProxyLoopbackSource);
    }

    [Fact]
    public void ByDefault_NoAddressIsReplaced() =>
        Assert.Null(Run([.. Base, "--proxy-protocol", "v1"]).Relay.ProxyLoopbackSource);

    [Fact]
    public void WithoutProxyProtocol_IsAUsageError() =>
        Assert.Equal(
            "--proxy-protocol-loopback-as needs --proxy-protocol v1|v2 (or a rule with proxy-protocol): without it no header is sent",
            Fails([.. Base, "--proxy-protocol-loopback-as", "192.0.2.77"]).Message);

    [Theory]
    [InlineData("x")]
    [InlineData("192.0.2.77:80")]
    [InlineData("")]
    [InlineData("10")]
    public void NotAnAddress_IsAUsageErrorNamingIt(string value) =>
        Assert.Equal(
            $"invalid value '{value}' for --proxy-protocol-loopback-as: expected an IPv4 or IPv6 address such as 192.0.2.1",
            Fails([.. Base, "--proxy-protocol", "v1", "--proxy-protocol-loopback-as", value]).Message);
}
