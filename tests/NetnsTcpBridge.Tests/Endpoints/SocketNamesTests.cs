using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Endpoints;
using Xunit;

namespace NetnsTcpBridge.Tests.Endpoints;

/// <summary>Addresses read back from real sockets: the kernel's AF_INET6 (10) is not .NET's InterNetworkV6 (23).</summary>
public class SocketNamesTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public void ConnectedPair_PeerAndLocal_AreTheEndpointsOfTheConnection(string loopback)
    {
        var address = IPAddress.Parse(loopback);
        using var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, 0));
        listener.Listen(1);
        using var client = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var accepted = listener.Accept();
        int fd = (int)accepted.Handle;

        Assert.Equal(client.LocalEndPoint, SocketNames.PeerEndPoint(fd));
        Assert.Equal(listener.LocalEndPoint, SocketNames.LocalEndPoint(fd));
        Assert.Equal(TcpAddress.Format(client.LocalEndPoint), SocketNames.Peer(fd));
        Assert.Equal(TcpAddress.Format(listener.LocalEndPoint), SocketNames.Local(fd));
        Assert.StartsWith(address.AddressFamily == AddressFamily.InterNetworkV6 ? "[::1]:" : "127.0.0.1:", SocketNames.Peer(fd), StringComparison.Ordinal);
    }

    [Fact]
    public void UnixSocket_HasNoIpEndpoints()
    {
        using var left = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string path = Path.Combine(Path.GetTempPath(), $"ntb-names-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        try
        {
            left.Bind(new UnixDomainSocketEndPoint(path));
            left.Listen(1);
            using var right = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            right.Connect(new UnixDomainSocketEndPoint(path));
            using var accepted = left.Accept();
            int fd = (int)accepted.Handle;

            Assert.Null(SocketNames.PeerEndPoint(fd));
            Assert.Null(SocketNames.LocalEndPoint(fd));
            Assert.Equal("(UNIX socket)", SocketNames.Peer(fd));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
