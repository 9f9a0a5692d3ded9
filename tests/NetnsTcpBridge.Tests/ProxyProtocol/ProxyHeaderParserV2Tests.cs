using System.Net;
using NetnsTcpBridge.ProxyProtocol;
using Xunit;

namespace NetnsTcpBridge.Tests.ProxyProtocol;

/// <summary>Version 2 headers: what is accepted, what waits for more bytes, and every way to be wrong.</summary>
public class ProxyHeaderParserV2Tests
{
    private static readonly byte[] Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static readonly byte[] Tcp4Addresses = [10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, 0x00, 0x50]; // 10.0.0.1:12345 -> 10.0.0.2:80

    [Fact]
    public void Tcp4_FollowedByPayload_ParsesAndStopsAtItsLength()
    {
        byte[] header = [.. Head(0x21, 0x11, 12), .. Tcp4Addresses];

        var parsed = Complete([.. header, .. "SSH-2.0-client\r\n"u8], out int length);

        Assert.Equal(28, length);
        Assert.Equal(new ProxyHeader(2, "TCP4", IPEndPoint.Parse("10.0.0.1:12345"), IPEndPoint.Parse("10.0.0.2:80")), parsed);
    }

    [Fact]
    public void Tcp6_GivesItsEndpoints()
    {
        byte[] header =
        [
            .. Head(0x21, 0x21, 36),
            .. IPAddress.Parse("2001:db8::1").GetAddressBytes(),
            .. IPAddress.Parse("2001:db8::2").GetAddressBytes(),
            0xFF, 0xFF, 0x00, 0x00,
        ];

        var parsed = Complete(header, out int length);

        Assert.Equal(52, length);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:65535"), parsed.Source);
        Assert.Equal(IPEndPoint.Parse("[2001:db8::2]:0"), parsed.Destination);
    }

    [Fact]
    public void Tlvs_AfterTheAddresses_AreSkippedAndCountInTheLength()
    {
        byte[] tlvs = [0x01, 0x00, 0x02, (byte)'h', (byte)'2', 0x04, 0x00, 0x00, 0x05, 0x00, 0x03, 1, 2, 3]; // ALPN "h2", NOOP, UNIQUE_ID
        byte[] header = [.. Head(0x21, 0x11, 12 + tlvs.Length), .. Tcp4Addresses, .. tlvs];

        var parsed = Complete([.. header, 0xAA], out int length);

        Assert.Equal(header.Length, length);
        Assert.Equal(IPEndPoint.Parse("10.0.0.1:12345"), parsed.Source);
    }

    [Fact]
    public void Local_IsAcceptedWithoutAddresses_WhateverTheBlockSays()
    {
        var empty = Complete(Head(0x20, 0x00, 0), out int emptyLength);
        var withBlock = Complete([.. Head(0x20, 0x11, 12), .. Tcp4Addresses], out int blockLength);
        var oddFamily = Complete([.. Head(0x20, 0xFF, 3), 1, 2, 3], out _);

        Assert.Equal(16, emptyLength);
        Assert.Equal(28, blockLength);
        Assert.All([empty, withBlock, oddFamily], h => Assert.Equal("LOCAL", h.Kind));
        Assert.All([empty, withBlock, oddFamily], h => Assert.False(h.HasAddresses));
    }

    [Theory]
    [InlineData(0x00, 0, "UNSPEC")]
    [InlineData(0x00, 5, "UNSPEC")]
    [InlineData(0x12, 12, "UDP4")]
    [InlineData(0x22, 36, "UDP6")]
    [InlineData(0x31, 216, "UNIX")]
    [InlineData(0x32, 216, "UNIX")]
    public void OtherValidFamilies_AreAcceptedWithoutAddresses(byte family, int addressLength, string kind)
    {
        var parsed = Complete([.. Head(0x21, family, addressLength), .. new byte[addressLength]], out int length);

        Assert.Equal(16 + addressLength, length);
        Assert.Equal(kind, parsed.Kind);
        Assert.False(parsed.HasAddresses);
    }

    [Fact]
    public void LargestAcceptedLength_2048_IsAccepted()
    {
        byte[] padding = new byte[2048 - 12]; // one NOOP TLV filling the rest
        padding[0] = 0x04;
        padding[1] = (byte)((padding.Length - 3) >> 8);
        padding[2] = (byte)((padding.Length - 3) & 0xFF);
        byte[] header = [.. Head(0x21, 0x11, 2048), .. Tcp4Addresses, .. padding];
        Assert.Equal(16 + 2048, header.Length);

        Complete(header, out int length);

        Assert.Equal(ProxyHeaderParser.MaxLength, length);
    }

    [Fact]
    public void EveryProperPrefix_IsIncomplete()
    {
        byte[] header = [.. Head(0x21, 0x11, 15), .. Tcp4Addresses, 0x04, 0x00, 0x00];
        for (int cut = 0; cut < header.Length; cut++)
        {
            var status = ProxyHeaderParser.TryParse(header.AsSpan(0, cut), out _, out _, out string problem);
            Assert.True(status == ProxyHeaderStatus.Incomplete, $"{cut} bytes: {status} {problem}");
        }
    }

    [Fact]
    public void AnyWrongSignatureByte_IsInvalid_AsSoonAsItArrives()
    {
        byte[] header = [.. Head(0x21, 0x11, 12), .. Tcp4Addresses];
        for (int i = 1; i < Signature.Length; i++)
        {
            byte[] bad = (byte[])header.Clone();
            bad[i] ^= 0x20;

            AssertInvalid(bad.AsSpan(0, i + 1).ToArray(), "bad v2 signature");
            AssertInvalid(bad, "bad v2 signature");
        }
    }

    [Theory]
    [InlineData(0x11)]
    [InlineData(0x31)]
    [InlineData(0x01)]
    [InlineData(0xF1)]
    public void VersionOtherThan2_IsInvalid(byte versionAndCommand) =>
        AssertInvalid([.. Head(versionAndCommand, 0x11, 12), .. Tcp4Addresses], $"version {versionAndCommand >> 4}; only 2 exists");

    [Theory]
    [InlineData(0x22)]
    [InlineData(0x2F)]
    public void UnknownCommand_IsInvalid(byte versionAndCommand) =>
        AssertInvalid([.. Head(versionAndCommand, 0x11, 12), .. Tcp4Addresses], $"command {versionAndCommand & 0xF} is neither LOCAL (0) nor PROXY (1)");

    [Theory]
    [InlineData(0x41)]
    [InlineData(0xF1)]
    public void UnknownAddressFamily_IsInvalid(byte family) =>
        AssertInvalid([.. Head(0x21, family, 12), .. Tcp4Addresses], $"address family {family >> 4} is none of");

    [Theory]
    [InlineData(0x13)]
    [InlineData(0x1F)]
    public void UnknownTransport_IsInvalid(byte family) =>
        AssertInvalid([.. Head(0x21, family, 12), .. Tcp4Addresses], $"transport protocol {family & 0xF} is none of");

    [Theory]
    [InlineData(0x11, 11, "INET needs 12 address bytes, the header has 11")]
    [InlineData(0x11, 0, "INET needs 12 address bytes, the header has 0")]
    [InlineData(0x21, 12, "INET6 needs 36 address bytes, the header has 12")]
    [InlineData(0x31, 108, "UNIX needs 216 address bytes, the header has 108")]
    public void AddressBlockShorterThanTheFamilyNeeds_IsInvalid(byte family, int length, string why) =>
        AssertInvalid([.. Head(0x21, family, length), .. new byte[length]], why);

    [Theory]
    [InlineData(2049)]
    [InlineData(65535)]
    public void LengthAboveTheLimit_IsInvalid_WithoutWaitingForTheBytes(int length) =>
        AssertInvalid(Head(0x21, 0x11, length), $"announces {length} bytes of addresses and TLVs; at most 2048");

    [Theory]
    [InlineData(new byte[] { 0x04 }, "1 stray byte")]
    [InlineData(new byte[] { 0x04, 0x00 }, "2 stray byte")]
    [InlineData(new byte[] { 0x01, 0x00, 0x05, 1, 2 }, "type 0x01 announces 5 bytes, only 2 are left")]
    [InlineData(new byte[] { 0x04, 0x00, 0x00, 0x20, 0xFF, 0xFF }, "type 0x20 announces 65535 bytes, only 0 are left")]
    public void TlvsThatDoNotFitTheHeader_AreInvalid(byte[] tlvs, string why) =>
        AssertInvalid([.. Head(0x21, 0x11, 12 + tlvs.Length), .. Tcp4Addresses, .. tlvs], why);

    private static byte[] Head(byte versionAndCommand, byte family, int length) =>
        [.. Signature, versionAndCommand, family, (byte)(length >> 8), (byte)(length & 0xFF)];

    private static ProxyHeader Complete(byte[] bytes, out int length)
    {
        var status = ProxyHeaderParser.TryParse(bytes, out var header, out length, out string problem);
        Assert.True(status == ProxyHeaderStatus.Complete, $"{status}: {problem}");
        Assert.Equal(2, header.Version);
        return header;
    }

    private static void AssertInvalid(byte[] bytes, string why)
    {
        var status = ProxyHeaderParser.TryParse(bytes, out _, out _, out string problem);

        Assert.Equal(ProxyHeaderStatus.Invalid, status);
        Assert.Contains(why, problem, StringComparison.Ordinal);
    }
}
