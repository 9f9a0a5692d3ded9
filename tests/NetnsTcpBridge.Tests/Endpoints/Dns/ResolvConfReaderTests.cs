using System.Net;
using NetnsTcpBridge.Endpoints.Dns;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints.Dns;

public sealed class ResolvConfReaderTests
{
    [Fact]
    public void Nameservers_IPv4AndIPv6_AtMostThree_InFileOrder()
    {
        var config = Parse("nameserver 10.0.0.1\nnameserver fd00::53\nnameserver\t127.0.0.53\nnameserver 10.0.0.4\n");

        Assert.Equal(
            [new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53), new IPEndPoint(IPAddress.Parse("fd00::53"), 53), new IPEndPoint(IPAddress.Parse("127.0.0.53"), 53)],
            config.Nameservers);
    }

    [Fact]
    public void CommentsInTheFirstColumn_IndentedLines_AndUnreadableAddresses_AreSkipped()
    {
        var config = Parse("# nameserver 10.0.0.1\n; nameserver 10.0.0.2\n nameserver 10.0.0.3\nnameserver not-an-address\nnameserver 10.0.0.5 # the one\n");

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.5"), 53)], config.Nameservers);
    }

    [Fact]
    public void NoNameserver_MeansTheLocalMachine()
    {
        var config = Parse("search example.test\n");

        Assert.Equal([new IPEndPoint(IPAddress.Loopback, 53)], config.Nameservers);
    }

    [Fact]
    public void Defaults_AreThoseOfResolvConf5()
    {
        var config = Parse("nameserver 10.0.0.1\n");

        Assert.Equal(1, config.Ndots);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Timeout);
        Assert.Equal(2, config.Attempts);
        Assert.Empty(config.Search);
    }

    [Fact]
    public void Options_SetNdotsTimeoutAndAttempts_OverSeveralLines_AndOthersAreIgnored()
    {
        var config = Parse("options ndots:3 rotate\noptions timeout:2  attempts:4 edns0\nsortlist 10.0.0.0/8\n");

        Assert.Equal(3, config.Ndots);
        Assert.Equal(TimeSpan.FromSeconds(2), config.Timeout);
        Assert.Equal(4, config.Attempts);
        Assert.Equal(["options rotate", "options edns0", "sortlist"], config.Ignored);
    }

    [Theory]
    [InlineData("options ndots:99 timeout:99 attempts:99", 15, 30, 5)]
    [InlineData("options ndots:0 timeout:0 attempts:0", 0, 1, 1)]
    [InlineData("options ndots:x timeout:-1 attempts:", 1, 5, 2)]
    public void OptionValues_AreCappedOrIgnored(string line, int ndots, int timeoutSeconds, int attempts)
    {
        var config = Parse(line + "\n");

        Assert.Equal(ndots, config.Ndots);
        Assert.Equal(TimeSpan.FromSeconds(timeoutSeconds), config.Timeout);
        Assert.Equal(attempts, config.Attempts);
    }

    [Theory]
    [InlineData("search a.test b.test\n", new[] { "a.test", "b.test" })]
    [InlineData("domain a.test\n", new[] { "a.test" })]
    [InlineData("search a.test b.test\ndomain c.test\n", new[] { "c.test" })]
    [InlineData("domain c.test\nsearch a.test\tb.test\n", new[] { "a.test", "b.test" })]
    [InlineData("domain .\n", new string[0])]
    public void DomainAndSearch_TheLastOneWins(string text, string[] search) =>
        Assert.Equal(search, Parse(text).Search);

    [Theory]
    [InlineData("host.lan.example", new[] { "lan.example" })]
    [InlineData("host", new string[0])]
    public void WithoutDomainOrSearch_TheDomainOfTheHostNameIsSearched(string hostName, string[] search) =>
        Assert.Equal(search, ResolvConfReader.Parse("nameserver 10.0.0.1\n", "test", hostName).Search);

    [Fact]
    public void CarriageReturns_AreBlanks()
    {
        var config = Parse("nameserver 10.0.0.1\r\nsearch a.test\r\n");

        Assert.Equal([new IPEndPoint(IPAddress.Parse("10.0.0.1"), 53)], config.Nameservers);
        Assert.Equal(["a.test"], config.Search);
    }

    [Fact]
    public void MissingFile_IsNoConfiguration() =>
        Assert.Null(ResolvConfReader.Read($"/nonexistent-{Guid.NewGuid():N}/resolv.conf"));

    private static ResolverConfig Parse(string text) => ResolvConfReader.Parse(text, "/etc/netns/test/resolv.conf", "host");
}
