using System.Net;
using NetnsTcpBridge.Endpoints;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

/// <summary>CIDR prefixes as --accept-proxy-from takes them.</summary>
public class AddressPrefixTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("192.0.2.7", "192.0.2.7/32")]
    [InlineData("192.0.2.7/32", "192.0.2.7/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("fd00::/8", "fd00::/8")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("::/0", "::/0")]
    [InlineData("::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104")]
    public void TryParse_TakesCidrOrOneAddress_AndWritesItBack(string text, string written)
    {
        Assert.True(AddressPrefix.TryParse(text, out var prefix, out string? error), error);
        Assert.Equal(written, prefix.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "11.0.0.0", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.9.9.9", true)]
    [InlineData("192.0.2.7", "192.0.2.7", true)]
    [InlineData("192.0.2.7", "192.0.2.8", false)]
    [InlineData("0.0.0.0/0", "203.0.113.1", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("fd00::/8", "fe80::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "10.0.0.1", false)]
    public void Contains_IPv4MappedCountsAsIPv4(string prefixText, string address, bool expected)
    {
        Assert.True(AddressPrefix.TryParse(prefixText, out var prefix, out _));

        Assert.Equal(expected, prefix.Contains(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("", "not an IP address")]
    [InlineData("10.0.0.0/", "the prefix length after '/' must be a number from 0 to 32")]
    [InlineData("10.0.0.0/33", "the prefix length after '/' must be a number from 0 to 32")]
    [InlineData("fd00::/129", "the prefix length after '/' must be a number from 0 to 128")]
    [InlineData("10.0.0.0/-1", "the prefix length")]
    [InlineData("10.0.0.0/+8", "the prefix length")]
    [InlineData("10.0.0.0/8/8", "the prefix length")]
    [InlineData("10.0.0.1/8", "it has bits set past its /8; write the network's first address, 10.0.0.0/8")]
    [InlineData("fd00::1/8", "it has bits set past its /8; write the network's first address, fd00::/8")]
    [InlineData("example.com/8", "not an IP address")]
    [InlineData("010.0.0.0/8", "not an IP address")]
    [InlineData("10.1/16", "not an IP address")]
    [InlineData("fe80::1%2", "not an IP address")]
    public void TryParse_RefusesAnythingElse_SayingWhy(string text, string expected)
    {
        Assert.False(AddressPrefix.TryParse(text, out _, out string? error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
