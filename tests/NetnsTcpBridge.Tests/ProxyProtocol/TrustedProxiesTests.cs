using System.Net;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.ProxyProtocol;
using Xunit;

namespace NetnsTcpBridge.Tests.ProxyProtocol;

/// <summary>--accept-proxy-from: the list of prefixes whose peers may send a PROXY header.</summary>
public class TrustedProxiesTests
{
    [Theory]
    [InlineData("10.0.0.0/8,fd00::/8", "10.0.0.0/8,fd00::/8")]
    [InlineData("10.0.0.0/8 fd00::/8", "10.0.0.0/8,fd00::/8")]
    [InlineData("10.0.0.0/8, 192.168.0.0/16 ,127.0.0.1", "10.0.0.0/8,192.168.0.0/16,127.0.0.1/32")]
    public void TryParse_TakesCommasOrSpaces_AndWritesCommas(string text, string written)
    {
        Assert.True(TrustedProxies.TryParse(text, out var trusted, out string? error), error);
        Assert.Equal(written, trusted.ToString());
        Assert.True(TrustedProxies.TryParse(written, out var again, out _));
        Assert.Equal(trusted, again);
    }

    [Theory]
    [InlineData("", "no prefix")]
    [InlineData(" , ", "no prefix")]
    [InlineData("10.0.0.0/8,s3cr3t", "prefix #2: not an IP address")]
    [InlineData("10.0.0.1/8", "bits set past its /8")]
    public void TryParse_Refuses_NamingThePrefixByItsPlace_QuotingNothing(string text, string expected)
    {
        Assert.False(TrustedProxies.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.200.0.1", true)]
    [InlineData("::ffff:10.200.0.1", true)]
    [InlineData("10.200.0.2", false)]
    [InlineData("fd00:200::5", true)]
    [InlineData("127.0.0.1", false)]
    public void Contains_AnyOfThePrefixes(string peer, bool expected)
    {
        Assert.True(TrustedProxies.TryParse("10.200.0.1,fd00:200::/64", out var trusted, out _));

        Assert.Equal(expected, trusted.Contains(AddressPrefix.ToNumber(IPAddress.Parse(peer))));
    }
}
