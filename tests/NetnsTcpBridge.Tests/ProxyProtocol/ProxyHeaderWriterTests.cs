using System.Net;
using System.Text;
using NetnsTcpBridge.ProxyProtocol;
using Xunit;

namespace NetnsTcpBridge.Tests.ProxyProtocol;

/// <summary>The headers the bridge writes, byte for byte as the spec lays them out.</summary>
public class ProxyHeaderWriterTests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    [Fact]
    public void V1_Tcp4_IsTheSpecsExampleLine()
    {
        Assert.Equal(
            "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n",
            Ascii(Write(ProxyProtocolVersion.V1, "192.168.0.1:56324", "192.168.0.11:443")));
    }

    [Fact]
    public void V1_Tcp6_UsesTheCompressedForm()
    {
        Assert.Equal(
            "PROXY TCP6 2001:db8::1 2001:db8:0:1::2 1234 8080\r\n",
            Ascii(Write(ProxyProtocolVersion.V1, "[2001:db8::1]:1234", "[2001:db8:0:1::2]:8080")));
    }

    [Fact]
    public void V1_LongestTcp6Line_Is104Bytes()
    {
        const string Full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] line = Write(ProxyProtocolVersion.V1, $"[{Full}]:65535", $"[{Full}]:65535");

        Assert.Equal($"PROXY TCP6 {Full} {Full} 65535 65535\r\n", Ascii(line));
        Assert.Equal(104, line.Length);
    }

    [Fact]
    public void V1_PortZeroAndAddressZero_AreWrittenAsSuch()
    {
        Assert.Equal("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n", Ascii(Write(ProxyProtocolVersion.V1, "0.0.0.0:0", "255.255.255.255:65535")));
    }

    [Fact]
    public void V1_WithoutAddresses_IsUnknownShortForm()
    {
        Assert.Equal("PROXY UNKNOWN\r\n", Ascii(Write(ProxyProtocolVersion.V1, null, null)));
        Assert.Equal("PROXY UNKNOWN\r\n", Ascii(Write(ProxyProtocolVersion.V1, "10.0.0.1:1", null)));
    }

    [Fact]
    public void V1_MixedFamilies_AreUnknown()
    {
        Assert.Equal("PROXY UNKNOWN\r\n", Ascii(Write(ProxyProtocolVersion.V1, "10.0.0.1:1", "[::1]:2")));
    }

    [Fact]
    public void V1_IPv4MappedClientOfADualStackSocket_IsPresentedAsTcp4()
    {
        Assert.Equal("PROXY TCP4 10.1.2.3 10.9.8.7 40000 80\r\n", Ascii(Write(ProxyProtocolVersion.V1, "[::ffff:10.1.2.3]:40000", "[::ffff:10.9.8.7]:80")));
    }

    [Fact]
    public void V1_ScopeId_IsLeftOut()
    {
        Assert.Equal("PROXY TCP6 fe80::1 fe80::2 5 6\r\n", Ascii(Write(ProxyProtocolVersion.V1, "[fe80::1%3]:5", "[fe80::2%3]:6")));
    }

    [Fact]
    public void V2_Tcp4_HasSignatureProxyCommandInetStreamAnd12AddressBytes()
    {
        byte[] expected =
        [
            .. Signature,
            0x21, // version 2, command PROXY
            0x11, // AF_INET, STREAM
            0x00, 0x0C, // 12 bytes follow
            192, 168, 0, 1, // source address
            192, 168, 0, 11, // destination address
            0xDC, 0x04, // source port 56324
            0x01, 0xBB, // destination port 443
        ];

        Assert.Equal(expected, Write(ProxyProtocolVersion.V2, "192.168.0.1:56324", "192.168.0.11:443"));
    }

    [Fact]
    public void V2_Tcp6_HasInet6StreamAnd36AddressBytes()
    {
        byte[] expected =
        [
            .. Signature,
            0x21,
            0x21, // AF_INET6, STREAM
            0x00, 0x24, // 36 bytes follow
            .. IPAddress.Parse("2001:db8::1").GetAddressBytes(),
            .. IPAddress.Parse("2001:db8::2").GetAddressBytes(),
            0x04, 0xD2, // 1234
            0x1F, 0x90, // 8080
        ];

        Assert.Equal(expected, Write(ProxyProtocolVersion.V2, "[2001:db8::1]:1234", "[2001:db8::2]:8080"));
    }

    [Fact]
    public void V2_WithoutAddresses_IsLocalUnspecWithNoAddressBlock()
    {
        byte[] expected = [.. Signature, 0x20, 0x00, 0x00, 0x00];

        Assert.Equal(expected, Write(ProxyProtocolVersion.V2, null, null));
    }

    [Fact]
    public void V2_IPv4MappedPair_IsInet()
    {
        byte[] header = Write(ProxyProtocolVersion.V2, "[::ffff:10.1.2.3]:1", "[::ffff:10.9.8.7]:2");

        Assert.Equal(0x11, header[13]);
        Assert.Equal(28, header.Length);
    }

    [Theory]
    [InlineData(ProxyProtocolVersion.V1, "203.0.113.9:61000", "198.51.100.1:443")]
    [InlineData(ProxyProtocolVersion.V1, "[2001:db8::9]:1", "[2001:db8::a]:65535")]
    [InlineData(ProxyProtocolVersion.V2, "203.0.113.9:61000", "198.51.100.1:443")]
    [InlineData(ProxyProtocolVersion.V2, "[2001:db8::9]:0", "[::]:65535")]
    public void WhatIsWritten_ParsesBackToTheSameEndpoints(ProxyProtocolVersion version, string source, string destination)
    {
        byte[] header = Write(version, source, destination);

        var status = ProxyHeaderParser.TryParse([.. header, .. "payload"u8], out var parsed, out int length, out string problem);

        Assert.True(status == ProxyHeaderStatus.Complete, problem);
        Assert.Equal(header.Length, length);
        Assert.Equal((int)version, parsed.Version);
        Assert.Equal(IPEndPoint.Parse(source), parsed.Source);
        Assert.Equal(IPEndPoint.Parse(destination), parsed.Destination);
    }

    [Fact]
    public void TooSmallABuffer_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => ProxyHeaderWriter.Write(ProxyProtocolVersion.V1, null, null, new byte[ProxyHeaderWriter.MaxLength - 1]));
    }

    private static byte[] Write(ProxyProtocolVersion version, string? source, string? destination)
    {
        byte[] buffer = new byte[ProxyHeaderWriter.MaxLength];
        int length = ProxyHeaderWriter.Write(version, source is null ? null : IPEndPoint.Parse(source), destination is null ? null : IPEndPoint.Parse(destination), buffer);
        return buffer[..length];
    }

    private static string Ascii(byte[] bytes) => Encoding.ASCII.GetString(bytes);
}
