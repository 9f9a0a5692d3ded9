using System.Net;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>What --max-connections-per-source counts as one source (--source-prefix).</summary>
public class SourcePrefixesTests
{
    [Theory]
    [InlineData("127.0.0.1", "127.0.0.2")]
    [InlineData("127.0.0.1", "127.255.255.254")]
    [InlineData("127.1.2.3", "::ffff:127.9.8.7")]
    [InlineData("2001:db8::1", "2001:db8::ffff:ffff:ffff:ffff")]
    [InlineData("2001:db8:0:7:1::", "2001:db8:0:7:2::")]
    [InlineData("192.0.2.7", "::ffff:192.0.2.7")]
    public void ByDefault_TheseAreOneSource(string one, string other) =>
        Assert.Equal(Key(SourcePrefixes.Default, one), Key(SourcePrefixes.Default, other));

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.8")]
    [InlineData("10.0.0.1", "10.0.0.2")]
    [InlineData("127.0.0.1", "128.0.0.1")]
    [InlineData("2001:db8::1", "2001:db8:0:1::1")]
    [InlineData("fe80::1", "fe80:0:0:1::1")]
    [InlineData("192.0.2.7", "::192.0.2.7")]
    [InlineData("0.0.0.1", "::1")]
    public void ByDefault_TheseAreTwoSources(string one, string other) =>
        Assert.NotEqual(Key(SourcePrefixes.Default, one), Key(SourcePrefixes.Default, other));

    [Fact]
    public void ShorterPrefixes_GroupMore_AndLoopbackStaysOneWhateverTheLength()
    {
        var wide = new SourcePrefixes(24, 48);

        Assert.Equal(Key(wide, "192.0.2.1"), Key(wide, "192.0.2.254"));
        Assert.NotEqual(Key(wide, "192.0.2.1"), Key(wide, "192.0.3.1"));
        Assert.Equal(Key(wide, "2001:db8:1:2::1"), Key(wide, "2001:db8:1:3::1"));
        Assert.NotEqual(Key(wide, "2001:db8:1::1"), Key(wide, "2001:db8:2::1"));
        Assert.Equal(Key(wide, "127.0.0.1"), Key(wide, "127.200.0.1"));

        var exact = new SourcePrefixes(32, 128);
        Assert.Equal(Key(exact, "127.0.0.1"), Key(exact, "127.0.0.2"));
        Assert.NotEqual(Key(exact, "2001:db8::1"), Key(exact, "2001:db8::2"));

        var all = new SourcePrefixes(0, 0);
        Assert.Equal(Key(all, "127.0.0.1"), Key(all, "203.0.113.1"));
        Assert.Equal(Key(all, "2001:db8::1"), Key(all, "fe80::1"));
        Assert.NotEqual(Key(all, "203.0.113.1"), Key(all, "2001:db8::1"));
    }

    [Theory]
    [InlineData(32, 64, "192.0.2.7", "192.0.2.7")]
    [InlineData(32, 64, "::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData(32, 64, "127.3.4.5", "127.0.0.0/8")]
    [InlineData(24, 64, "192.0.2.7", "192.0.2.0/24")]
    [InlineData(32, 64, "2001:db8::1:7", "2001:db8::/64")]
    [InlineData(32, 128, "2001:db8::1:7", "2001:db8::1:7")]
    [InlineData(4, 64, "127.3.4.5", "112.0.0.0/4")]
    public void Describe_NamesTheAddressOrThePrefix(int v4, int v6, string address, string expected)
    {
        var prefixes = new SourcePrefixes(v4, v6);

        Assert.Equal(expected, prefixes.Describe(Key(prefixes, address)));
    }

    [Theory]
    [InlineData("24", 24, 64)]
    [InlineData("32,64", 32, 64)]
    [InlineData("0,0", 0, 0)]
    [InlineData("16,128", 16, 128)]
    public void TryParse_TakesV4AndMaybeV6(string text, int v4, int v6)
    {
        Assert.True(SourcePrefixes.TryParse(text, out var prefixes));
        Assert.Equal(new SourcePrefixes(v4, v6), prefixes);
        Assert.True(SourcePrefixes.TryParse(prefixes.Format(), out var again));
        Assert.Equal(prefixes, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("33")]
    [InlineData("24,129")]
    [InlineData("-1")]
    [InlineData("+8")]
    [InlineData("24,")]
    [InlineData(",64")]
    [InlineData("24,64,1")]
    [InlineData(" 24")]
    [InlineData("/24")]
    [InlineData("0024")]
    public void TryParse_RefusesAnythingElse(string text) =>
        Assert.False(SourcePrefixes.TryParse(text, out _));

    private static UInt128 Key(SourcePrefixes prefixes, string address) => prefixes.KeyOf(IPAddress.Parse(address));
}
