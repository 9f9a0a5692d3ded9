using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Endpoints;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

public class TcpAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:80", "127.0.0.1", 80)]
    [InlineData("0.0.0.0:1", "0.0.0.0", 1)]
    [InlineData("255.255.255.255:65535", "255.255.255.255", 65535)]
    [InlineData("93.184.216.34:080", "93.184.216.34", 80)]
    [InlineData("10.0.0.1:00443", "10.0.0.1", 443)]
    public void IPv4_Parses(string text, string address, int port)
    {
        var endpoint = Parse(text, allowPortZero: false);

        Assert.Equal(AddressFamily.InterNetwork, endpoint.AddressFamily);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Theory]
    [InlineData("[::1]:80", "::1", 80)]
    [InlineData("[::]:65535", "::", 65535)]
    [InlineData("[2001:db8::7]:443", "2001:db8::7", 443)]
    [InlineData("[2001:DB8:0:0:0:0:0:7]:443", "2001:db8::7", 443)]
    [InlineData("[::ffff:127.0.0.1]:8080", "::ffff:127.0.0.1", 8080)]
    public void IPv6InBrackets_Parses(string text, string address, int port)
    {
        var endpoint = Parse(text, allowPortZero: false);

        Assert.Equal(AddressFamily.InterNetworkV6, endpoint.AddressFamily);
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), endpoint);
    }

    [Fact]
    public void IPv6WithNumericScopeId_KeepsTheScope()
    {
        var endpoint = Parse("[fe80::1%2]:80", allowPortZero: false);

        Assert.Equal(2, endpoint.Address.ScopeId);
        Assert.Equal(80, endpoint.Port);
    }

    [Fact]
    public void IPv6WithInterfaceNameScope_UsesTheInterfaceIndex()
    {
        // The loopback interface is "lo" on Linux; its index is whatever the kernel gave it.
        int index = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Single(i => i.Name == "lo").GetIPProperties().GetIPv6Properties().Index;

        var endpoint = Parse("[fe80::1%lo]:80", allowPortZero: false);

        Assert.Equal(index, endpoint.Address.ScopeId);
    }

    [Theory]
    [InlineData("127.0.0.1:0")]
    [InlineData("[::1]:0")]
    [InlineData("0.0.0.0:00")]
    public void PortZero_OnlyWhenAllowed(string text)
    {
        Assert.Equal(0, Parse(text, allowPortZero: true).Port);

        string error = Reject(text, allowPortZero: false);
        Assert.Contains("from 1 to 65535", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:65536")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("[::1]:99999")]
    [InlineData("127.0.0.1:4294967376")] // 2^32 + 80: must not wrap around to 80
    [InlineData("127.0.0.1:99999999999999999999")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("127.0.0.1:+80")]
    [InlineData("127.0.0.1: 80")]
    [InlineData("127.0.0.1:80 ")]
    [InlineData("127.0.0.1:8o")]
    [InlineData("127.0.0.1:0x50")]
    [InlineData("127.0.0.1:\u0668\u0660")] // Arabic-Indic "80"
    [InlineData("127.0.0.1:http")]
    public void BadPort_IsRejectedNamingThePort(string text)
    {
        foreach (bool allowPortZero in new[] { false, true })
        {
            string error = Reject(text, allowPortZero);

            Assert.Contains($"port '{text[(text.LastIndexOf(':') + 1)..]}'", error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("127.0.0.1:")]
    [InlineData("[::1]:")]
    public void EmptyPort_IsRejected(string text)
    {
        string error = Reject(text, allowPortZero: true);

        Assert.Contains("port ''", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("nonsense")]
    [InlineData("")]
    public void MissingPort_IsRejected(string text)
    {
        Assert.Contains("port is missing", Reject(text, allowPortZero: true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("::1:80")]
    [InlineData("2001:db8::7:443")]
    [InlineData("fe80::1%2:80")]
    [InlineData("::ffff:127.0.0.1:80")]
    public void IPv6WithoutBrackets_IsRejected(string text)
    {
        Assert.Contains("must be in brackets", Reject(text, allowPortZero: true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[::1]")]
    [InlineData("[::1]80")]
    [InlineData("[::1")]
    [InlineData("[::1:80")]
    [InlineData("[")]
    [InlineData("[]")]
    public void MalformedBrackets_AreRejected(string text)
    {
        Assert.Contains("[ADDRESS]:PORT", Reject(text, allowPortZero: true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.1:80")]
    [InlineData("127.0.1:80")]
    [InlineData("1:80")]
    [InlineData("2130706433:80")]
    [InlineData("0x7f.0.0.1:80")]
    [InlineData("0x7f000001:80")]
    [InlineData("127.0.0.1.:80")]
    [InlineData("256.0.0.1:80")]
    [InlineData("1.2.3.4.5:80")]
    [InlineData(" 127.0.0.1:80")]
    [InlineData("127.0.0.1 :80")]
    [InlineData("[127.0.0.1]:80")]
    [InlineData("[ ::1]:80")]
    [InlineData(":80")]
    [InlineData("[]:80")]
    public void NonCanonicalOrWrongFamilyAddress_IsRejected(string text)
    {
        Assert.Contains("is not an IP address", Reject(text, allowPortZero: true), StringComparison.Ordinal);
    }

    // IPAddress.TryParse reads a leading-zero part as octal (127.0.0.010 is 127.0.0.8); the
    // original's parser refuses such addresses, and so do we, naming the reason.
    [Theory]
    [InlineData("127.0.0.010:80")]
    [InlineData("010.0.0.1:80")]
    [InlineData("192.168.001.010:80")]
    [InlineData("10.0.0.0100:80")]
    [InlineData("127.000.000.001:80")]
    public void IPv4WithLeadingZeros_IsRejectedNotReadAsOctal(string text)
    {
        string error = Reject(text, allowPortZero: false);

        Assert.Contains("leading zero", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("localhost:80")]
    [InlineData("example.com:443")]
    [InlineData("[localhost]:80")]
    [InlineData("ip6-localhost:80")]
    public void HostName_IsRejected(string text)
    {
        string error = Reject(text, allowPortZero: true);

        Assert.Contains("host names are not accepted", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_NamesTheOffendingPart_OnOneLine()
    {
        string error = Reject("example.com:443", allowPortZero: false);

        Assert.Contains("'example.com'", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("127.0.0.1:80")]
    [InlineData("0.0.0.0:0")]
    [InlineData("255.255.255.255:65535")]
    [InlineData("[::1]:8080")]
    [InlineData("[::]:1")]
    [InlineData("[2001:db8::7]:443")]
    [InlineData("[fe80::1%2]:80")]
    [InlineData("[::ffff:10.0.0.1]:80")]
    public void Format_OfParsed_GivesTheSameText(string text)
    {
        var endpoint = Parse(text, allowPortZero: true);

        string formatted = TcpAddress.Format(endpoint);

        Assert.Equal(text, formatted);
        Assert.Equal(endpoint, Parse(formatted, allowPortZero: true));
    }

    [Theory]
    [InlineData("2001:0DB8:0000::0001", 9)]
    [InlineData("::FFFF:192.168.0.1", 65535)]
    [InlineData("192.168.1.200", 12345)]
    public void Parse_OfFormatted_GivesTheSameEndpoint(string address, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), port);

        Assert.Equal(endpoint, Parse(TcpAddress.Format(endpoint), allowPortZero: false));
    }

    [Fact]
    public void Format_PutsBracketsAroundIPv6Only()
    {
        Assert.Equal("[::1]:5", TcpAddress.Format(new IPEndPoint(IPAddress.IPv6Loopback, 5)));
        Assert.Equal("127.0.0.1:5", TcpAddress.Format(new IPEndPoint(IPAddress.Loopback, 5)));
    }

    [Fact]
    public void Format_OfNullOrOtherEndpoints()
    {
        var dns = new DnsEndPoint("example.com", 80);
        var unix = new UnixDomainSocketEndPoint("/tmp/some.sock");

        Assert.Equal("(unknown)", TcpAddress.Format(null));
        Assert.Equal(dns.ToString(), TcpAddress.Format(dns));
        Assert.Equal("unix:/tmp/some.sock", TcpAddress.Format(unix));
    }

    [Fact]
    public void Syntax_ShowsBothFamilies()
    {
        Assert.Contains("127.0.0.1:1234", TcpAddress.Syntax, StringComparison.Ordinal);
        Assert.Contains("[::1]:1234", TcpAddress.Syntax, StringComparison.Ordinal);
    }

    private static IPEndPoint Parse(string text, bool allowPortZero)
    {
        bool ok = TcpAddress.TryParse(text, allowPortZero, out var endpoint, out string? error);

        Assert.True(ok, $"'{text}' rejected: {error}");
        Assert.Null(error);
        return endpoint!;
    }

    private static string Reject(string text, bool allowPortZero)
    {
        bool ok = TcpAddress.TryParse(text, allowPortZero, out var endpoint, out string? error);

        Assert.False(ok, $"'{text}' accepted as {endpoint}");
        Assert.Null(endpoint);
        Assert.False(string.IsNullOrEmpty(error));
        return error!;
    }
}
