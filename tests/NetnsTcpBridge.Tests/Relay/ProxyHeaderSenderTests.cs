using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// Writing the outgoing header to the target (socketpairs stand in for client and target): whole
/// at once, or in pieces as room appears, and a failure said in one line.
/// </summary>
public class ProxyHeaderSenderTests
{
    private const string AnnouncedHeader = "PROXY TCP4 192.0.2.1 198.51.100.2 1000 443\r\n";

    [Fact]
    public void Send_UnixClient_WritesAnUnknownHeaderAtOnce_AndNothingMoreWhenAskedAgain()
    {
        using var sockets = new ClientAndTarget();
        var (client, server, target) = (sockets.Client, sockets.Server, sockets.Target);
        var sender = new ProxyHeaderSender(loopbackSourceAs: null);

        Assert.Equal(ProxyHeaderSendStatus.Sent, sender.Send(UnixSockets.Number(server), ProxyProtocolVersion.V1, UnixSockets.Number(client), null, null));
        Assert.Equal(ProxyHeaderSendStatus.Sent, sender.Send(UnixSockets.Number(server), ProxyProtocolVersion.V1, UnixSockets.Number(client), null, null));

        Assert.True(sender.IsSent);
        Assert.Equal(15, sender.Length);
        Assert.Equal(0, sender.UnsentBytes);
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal("PROXY UNKNOWN\r\n", Encoding.ASCII.GetString(ReceiveToEnd(target)));
    }

    [Fact]
    public void Send_AnnouncedClient_IsTheOneNamed()
    {
        using var sockets = new ClientAndTarget();
        var (client, server, target) = (sockets.Client, sockets.Server, sockets.Target);
        var sender = new ProxyHeaderSender(loopbackSourceAs: null);

        var status = sender.Send(UnixSockets.Number(server), ProxyProtocolVersion.V1, UnixSockets.Number(client), IPEndPoint.Parse("192.0.2.1:1000"), IPEndPoint.Parse("198.51.100.2:443"));

        Assert.Equal(ProxyHeaderSendStatus.Sent, status);
        server.Shutdown(SocketShutdown.Send);
        Assert.Equal(AnnouncedHeader, Encoding.ASCII.GetString(ReceiveToEnd(target)));
    }

    [Fact]
    public void Send_TargetWithAFullSendBuffer_WaitsForRoom_ThenWritesTheRestInOrder()
    {
        using var sockets = new ClientAndTarget();
        var (client, server, target) = (sockets.Client, sockets.Server, sockets.Target);
        byte[] filler = FillUntilFull(server);
        var sender = new ProxyHeaderSender(loopbackSourceAs: null);
        int serverFd = UnixSockets.Number(server);
        int clientFd = UnixSockets.Number(client);
        var announced = IPEndPoint.Parse("192.0.2.1:1000");
        var destination = IPEndPoint.Parse("198.51.100.2:443");

        Assert.Equal(ProxyHeaderSendStatus.WaitingForRoom, sender.Send(serverFd, ProxyProtocolVersion.V1, clientFd, announced, destination));
        Assert.False(sender.IsSent);
        Assert.Equal(AnnouncedHeader.Length, sender.Length);
        Assert.InRange(sender.UnsentBytes, 1, sender.Length);

        using var received = new MemoryStream();
        var status = ProxyHeaderSendStatus.WaitingForRoom;
        for (int round = 0; round < 1000 && status == ProxyHeaderSendStatus.WaitingForRoom; round++)
        {
            received.Write(ReceiveSome(target));
            status = sender.Send(serverFd, ProxyProtocolVersion.V1, clientFd, announced, destination);
        }

        Assert.Equal(ProxyHeaderSendStatus.Sent, status);
        server.Shutdown(SocketShutdown.Send);
        received.Write(ReceiveToEnd(target));
        Assert.Equal([.. filler, .. Encoding.ASCII.GetBytes(AnnouncedHeader)], received.ToArray());
    }

    [Fact]
    public void Send_TargetGone_FailsWithOneLineReason()
    {
        var (client, peer) = UnixSockets.CreateStreamPair();
        var (server, target) = UnixSockets.CreateStreamPair();
        using (client)
        using (peer)
        using (server)
        {
            target.Dispose();
            var sender = new ProxyHeaderSender(loopbackSourceAs: null);

            Assert.Equal(ProxyHeaderSendStatus.Failed, sender.Send(UnixSockets.Number(server), ProxyProtocolVersion.V2, UnixSockets.Number(client), null, null));

            Assert.StartsWith("writing the PROXY header: ", sender.Problem, StringComparison.Ordinal);
            Assert.Contains("EPIPE", sender.Problem, StringComparison.Ordinal);
            Assert.DoesNotContain("\n", sender.Problem!, StringComparison.Ordinal);
            Assert.False(sender.IsSent);
        }
    }

    [Theory]
    [InlineData("127.0.0.5:1234", "10.0.0.9", "10.0.0.9:1234")]
    [InlineData("[::ffff:127.0.0.1]:1234", "10.0.0.9", "[::ffff:10.0.0.9]:1234")]
    [InlineData("[::1]:1234", "fd00::9", "[fd00::9]:1234")]
    [InlineData("[::1]:1234", "10.0.0.9", "[::1]:1234")]
    [InlineData("127.0.0.5:1234", "fd00::9", "127.0.0.5:1234")]
    [InlineData("192.0.2.1:1234", "10.0.0.9", "192.0.2.1:1234")]
    public void AnnouncedClient_LoopbackClientWithProxyLoopbackSource_IsReplacedInItsOwnFamily(string client, string loopbackAs, string announced)
    {
        Assert.Equal(IPEndPoint.Parse(announced), ProxyHeaderSender.AnnouncedClient(IPEndPoint.Parse(client), IPAddress.Parse(loopbackAs)));
    }

    [Fact]
    public void AnnouncedClient_WithoutProxyLoopbackSource_IsTheClientAsItIs()
    {
        var loopback = IPEndPoint.Parse("127.0.0.1:80");

        Assert.Same(loopback, ProxyHeaderSender.AnnouncedClient(loopback, loopbackAs: null));
        Assert.Null(ProxyHeaderSender.AnnouncedClient(null, IPAddress.Parse("10.0.0.9")));
    }

    private static byte[] FillUntilFull(Socket socket)
    {
        using var written = new MemoryStream();
        byte[] chunk = new byte[4096];
        Array.Fill(chunk, (byte)'x');
        socket.Blocking = false;
        while (true)
        {
            int sent = socket.Send(chunk, 0, chunk.Length, SocketFlags.None, out var error);
            if (error == SocketError.WouldBlock)
            {
                socket.Blocking = true;
                return written.ToArray();
            }

            Assert.Equal(SocketError.Success, error);
            written.Write(chunk, 0, sent);
        }
    }

    private static byte[] ReceiveSome(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        socket.Blocking = false;
        int received = socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
        socket.Blocking = true;
        return error == SocketError.WouldBlock ? [] : buffer[..received];
    }

    private static byte[] ReceiveToEnd(Socket socket)
    {
        using var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int received;
        while ((received = socket.Receive(buffer)) > 0)
        {
            all.Write(buffer, 0, received);
        }

        return all.ToArray();
    }

    /// <summary>The client's socket (its peer kept open), and the server socket the header goes out on, with the target at its other end.</summary>
    private sealed class ClientAndTarget : IDisposable
    {
        private readonly Socket _peer;

        public ClientAndTarget()
        {
            (Client, _peer) = UnixSockets.CreateStreamPair();
            (Server, Target) = UnixSockets.CreateStreamPair();
        }

        public Socket Client { get; }

        public Socket Server { get; }

        public Socket Target { get; }

        public void Dispose()
        {
            Client.Dispose();
            _peer.Dispose();
            Server.Dispose();
            Target.Dispose();
        }
    }
}
