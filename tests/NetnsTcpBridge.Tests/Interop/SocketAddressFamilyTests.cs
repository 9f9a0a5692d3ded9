using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;
using Xunit;

namespace NetnsTcpBridge.Tests.Interop;

/// <summary>AF_* numbers against .NET's AddressFamily, and endpoints read out of native sockaddr bytes.</summary>
public class SocketAddressFamilyTests
{
    [Theory]
    [InlineData(AddressFamily.InterNetwork, 2)]
    [InlineData(AddressFamily.InterNetworkV6, 10)]
    [InlineData(AddressFamily.Unix, 1)]
    public void Families_MapToTheKernelsNumbers_AndBack(AddressFamily family, int native)
    {
        Assert.Equal(native, SocketAddressFamily.ToNative(family));
        Assert.Equal(family, SocketAddressFamily.FromNative(native));
    }

    [Fact]
    public void UnknownNativeFamily_IsUnknown() =>
        Assert.Equal(AddressFamily.Unknown, SocketAddressFamily.FromNative(17)); // AF_PACKET

    [Theory]
    [InlineData("192.0.2.7", 8080)]
    [InlineData("2001:db8::7", 443)]
    [InlineData("fe80::1%3", 53)]
    [InlineData("::ffff:192.0.2.7", 1)]
    public void ToIPEndPoint_ReadsWhatTheRuntimeSerialises(string address, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(address), port);
        SocketAddress native = endpoint.Serialize();
        ReadOnlySpan<byte> bytes = native.Buffer.Span[..native.Size];

        Assert.Equal(SocketAddressFamily.ToNative(endpoint.AddressFamily), SocketAddressFamily.Of(bytes));
        var read = SocketAddressFamily.ToIPEndPoint(bytes);
        Assert.Equal(endpoint, read);
        if (endpoint.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Assert.Equal(endpoint.Address.ScopeId, read!.Address.ScopeId);
        }
    }

    [Fact]
    public void ToIPEndPoint_OfAUnixAddressOrTooFewBytes_IsNull()
    {
        SocketAddress unix = new UnixDomainSocketEndPoint("/run/x.sock").Serialize();
        Assert.Null(SocketAddressFamily.ToIPEndPoint(unix.Buffer.Span[..unix.Size]));
        Assert.Equal(1, SocketAddressFamily.Of(unix.Buffer.Span[..unix.Size]));

        SocketAddress v6 = new IPEndPoint(IPAddress.IPv6Loopback, 1).Serialize();
        Assert.Null(SocketAddressFamily.ToIPEndPoint(v6.Buffer.Span[..20]));
        Assert.Equal(0, SocketAddressFamily.Of([]));
    }
}
