using System.Net;
using System.Text;
using NetnsTcpBridge.ProxyProtocol;
using Xunit;

namespace NetnsTcpBridge.Tests.ProxyProtocol;

/// <summary>Version 1 lines: what is accepted, what waits for more bytes, and every way to be wrong.</summary>
public class ProxyHeaderParserV1Tests
{
    [Fact]
    public void Tcp4_SpecExample_FollowedByPayload_ParsesAndStopsAtTheCrlf()
    {
        const string Line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";

        var header = Complete(Line + "GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n", out int length);

        Assert.Equal(Line.Length, length);
        Assert.Equal(new ProxyHeader(1, "TCP4", IPEndPoint.Parse("192.168.0.1:56324"), IPEndPoint.Parse("192.168.0.11:443")), header);
    }

    [Theory]
    [InlineData("PROXY TCP6 2001:db8::1 2001:db8::2 1 65535\r\n", "[2001:db8::1]:1", "[2001:db8::2]:65535")]
    [InlineData("PROXY TCP6 ::1 ::1 0 0\r\n", "[::1]:0", "[::1]:0")]
    [InlineData("PROXY TCP6 FFFF:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")]
    [InlineData("PROXY TCP6 ::ffff:10.0.0.1 ::ffff:10.0.0.2 7 8\r\n", "[::ffff:10.0.0.1]:7", "[::ffff:10.0.0.2]:8")]
    [InlineData("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", "0.0.0.0:0", "255.255.255.255:65535")]
    public void ValidLines_GiveTheirEndpoints(string line, string source, string destination)
    {
        var header = Complete(line, out int length);

        Assert.Equal(line.Length, length);
        Assert.Equal(IPEndPoint.Parse(source), header.Source);
        Assert.Equal(IPEndPoint.Parse(destination), header.Destination);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN ffff:f::f ffff:f::f 65535 65535\r\n")]
    [InlineData("PROXY UNKNOWN anything at all, even junk like TCP9\r\n")]
    public void Unknown_IsAcceptedWithoutAddresses_WhateverFollowsIt(string line)
    {
        var header = Complete(line + "payload", out int length);

        Assert.Equal(line.Length, length);
        Assert.Equal("UNKNOWN", header.Kind);
        Assert.False(header.HasAddresses);
    }

    [Fact]
    public void WorstCaseLineOf107Bytes_IsAccepted()
    {
        string line = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.Equal(107, line.Length);

        Complete(line, out int length);

        Assert.Equal(107, length);
    }

    [Fact]
    public void EveryProperPrefixOfAValidLine_IsIncomplete()
    {
        const string Line = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
        for (int cut = 0; cut < Line.Length; cut++)
        {
            var status = ProxyHeaderParser.TryParse(Encoding.ASCII.GetBytes(Line[..cut]), out _, out _, out string problem);
            Assert.True(status == ProxyHeaderStatus.Incomplete, $"{cut} bytes: {status} {problem}");
        }
    }

    [Theory]
    [InlineData("PROXZ TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad v1 signature")]
    [InlineData("PRX", "bad v1 signature")]
    [InlineData("PROXY\tTCP4 1.2.3.4 5.6.7.8 1 2\r\n", "bad v1 signature")]
    [InlineData("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "not a PROXY protocol header")]
    [InlineData("GET / HTTP/1.1\r\n", "not a PROXY protocol header")]
    [InlineData("G", "not a PROXY protocol header")]
    public void BadSignature_IsInvalid(string text, string why) => AssertInvalid(text, why);

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n")]
    [InlineData("PROXY UNKNOWN\n")]
    [InlineData("PROXY \n")]
    public void BareLf_IsInvalid(string text) => AssertInvalid(text, "bare LF");

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\r\n")]
    [InlineData("PROXY UNKNOWN\r \n")]
    public void CrNotFollowedByLf_IsInvalid(string text) => AssertInvalid(text, "CR not followed by LF");

    [Fact]
    public void NoCrlfWithin107Bytes_IsInvalid()
    {
        AssertInvalid("PROXY UNKNOWN " + new string('f', 200), "without CRLF in its first 107 bytes");
        AssertInvalid("PROXY UNKNOWN " + new string('f', 93), "without CRLF in its first 107 bytes");
    }

    [Fact]
    public void CrAsThe107thByte_IsInvalid_ForTheLfWouldBeThe108th()
    {
        string text = "PROXY UNKNOWN " + new string('f', 92) + "\r\n";
        Assert.Equal(108, text.Length);

        AssertInvalid(text, "without CRLF in its first 107 bytes");
        AssertInvalid(text[..107], "without CRLF in its first 107 bytes");
    }

    [Fact]
    public void ShortOf107BytesWithoutCrlf_IsStillIncomplete()
    {
        var status = ProxyHeaderParser.TryParse(Encoding.ASCII.GetBytes("PROXY UNKNOWN " + new string('f', 92)), out _, out _, out _);

        Assert.Equal(ProxyHeaderStatus.Incomplete, status);
    }

    [Theory]
    [InlineData("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "none of TCP4, TCP6, UNKNOWN")]
    [InlineData("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "none of TCP4, TCP6, UNKNOWN")]
    [InlineData("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "none of TCP4, TCP6, UNKNOWN")]
    [InlineData("PROXY UNKNOWNX\r\n", "none of TCP4, TCP6, UNKNOWN")]
    [InlineData("PROXY \r\n", "none of TCP4, TCP6, UNKNOWN")]
    [InlineData("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "none of TCP4, TCP6, UNKNOWN")]
    public void UnknownProtocol_IsInvalid(string text, string why) => AssertInvalid(text, why);

    [Theory]
    [InlineData("PROXY TCP4 ::1 ::1 1 2\r\n", "'::1' is not an IPv4 address")]
    [InlineData("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", "'::1' is not an IPv4 address")]
    [InlineData("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", "'1.2.3.4' is not an IPv6 address")]
    [InlineData("PROXY TCP6 ::1 5.6.7.8 1 2\r\n", "'5.6.7.8' is not an IPv6 address")]
    public void AddressOfTheWrongFamily_IsInvalid(string text, string why) => AssertInvalid(text, why);

    [Theory]
    [InlineData("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "'01.2.3.4'")]
    [InlineData("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "'1.2.3'")]
    [InlineData("PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n", "'1.2.3.4.5'")]
    [InlineData("PROXY TCP4 256.2.3.4 5.6.7.8 1 2\r\n", "'256.2.3.4'")]
    [InlineData("PROXY TCP4 1.2.3.-4 5.6.7.8 1 2\r\n", "'1.2.3.-4'")]
    [InlineData("PROXY TCP4 0x7f.0.0.1 5.6.7.8 1 2\r\n", "'0x7f.0.0.1'")]
    [InlineData("PROXY TCP4 localhost 5.6.7.8 1 2\r\n", "'localhost'")]
    [InlineData("PROXY TCP6 [::1] ::1 1 2\r\n", "'[::1]'")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "'fe80::1%eth0'")]
    [InlineData("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", "'1:2:3:4:5:6:7:8:9'")]
    [InlineData("PROXY TCP6 ::g ::1 1 2\r\n", "'::g'")]
    public void MalformedAddress_IsInvalidNamingIt(string text, string quoted) => AssertInvalid(text, quoted);

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 080 2\r\n", "'080'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", "'65536'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "'-1'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 +2\r\n", "'+2'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", "'99999'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n", "'123456'")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 http\r\n", "'http'")]
    public void MalformedPort_IsInvalidNamingIt(string text, string quoted) => AssertInvalid(text, quoted);

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n")]
    [InlineData("PROXY TCP4\r\n")]
    public void WrongNumberOfFieldsOrSpaces_IsInvalid(string text) => AssertInvalid(text, "single spaces");

    [Theory]
    [InlineData("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "0x09")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\u0000\r\n", "0x00")]
    [InlineData("PROXY UNKNOWN \u00e9\r\n", "0xe9")]
    public void NonPrintableByte_IsInvalid(string text, string why) => AssertInvalid(text, why);

    private static ProxyHeader Complete(string text, out int length)
    {
        var status = ProxyHeaderParser.TryParse(Bytes(text), out var header, out length, out string problem);
        Assert.True(status == ProxyHeaderStatus.Complete, $"{status}: {problem}");
        Assert.Equal(1, header.Version);
        return header;
    }

    private static void AssertInvalid(string text, string why)
    {
        var status = ProxyHeaderParser.TryParse(Bytes(text), out _, out _, out string problem);

        Assert.Equal(ProxyHeaderStatus.Invalid, status);
        Assert.Contains(why, problem, StringComparison.Ordinal);
    }

    // Latin-1, so that "\u00e9" stays the single byte 0xe9.
    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
