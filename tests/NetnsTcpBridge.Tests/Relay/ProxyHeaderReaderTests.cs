using System.Net;
using System.Net.Sockets;
using System.Text;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.ProxyProtocol;
using NetnsTcpBridge.Relay;
using NetnsTcpBridge.Tests.Support;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>
/// Reading a front proxy's header on a client socket (a socketpair stands in for the client):
/// exactly the header is consumed, a partial one waits, and every refusal says why in one line.
/// </summary>
public class ProxyHeaderReaderTests
{
    private static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    [Fact]
    public void Read_V1HeaderFollowedByData_ConsumesOnlyTheHeaderAndAnnouncesTheClient()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            proxy.Send(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.2 1000 443\r\nhello"));
            var reader = NewReader();

            Assert.Equal(ProxyHeaderStatus.Complete, reader.Read(UnixSockets.Number(client), peerHasClosed: false));

            Assert.Equal(IPEndPoint.Parse("192.0.2.1:1000"), reader.AnnouncedSource);
            Assert.Equal(IPEndPoint.Parse("198.51.100.2:443"), reader.AnnouncedDestination);
            Assert.Null(reader.Problem);
            Assert.Equal("hello", Encoding.ASCII.GetString(ReceiveAvailable(client)));
        }
    }

    [Fact]
    public void Read_HeaderInTwoParts_WaitsForTheRestThenCompletes()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            var reader = NewReader();
            int fd = UnixSockets.Number(client);

            Assert.Equal(ProxyHeaderStatus.Incomplete, reader.Read(fd, peerHasClosed: false));
            proxy.Send(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::1 "));
            Assert.Equal(ProxyHeaderStatus.Incomplete, reader.Read(fd, peerHasClosed: false));
            Assert.Null(reader.AnnouncedSource);
            proxy.Send(Encoding.ASCII.GetBytes("2001:db8::2 5 6\r\n"));
            Assert.Equal(ProxyHeaderStatus.Complete, reader.Read(fd, peerHasClosed: false));

            Assert.Equal(IPEndPoint.Parse("[2001:db8::1]:5"), reader.AnnouncedSource);
            Assert.Null(reader.Problem);
        }
    }

    [Fact]
    public void Read_V2Local_CompletesWithoutAnnouncedAddresses()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            proxy.Send([.. V2Signature, 0x20, 0x00, 0x00, 0x00]);
            var reader = NewReader();

            Assert.Equal(ProxyHeaderStatus.Complete, reader.Read(UnixSockets.Number(client), peerHasClosed: false));

            Assert.Null(reader.AnnouncedSource);
            Assert.Null(reader.AnnouncedDestination);
            Assert.Equal("proxy: PROXY v2 LOCAL header: no client address; the connection's own endpoints stand", reader.Describe("proxy"));
        }
    }

    [Fact]
    public void Read_ClientClosedBeforeSendingAnything_IsRefusedWithTheReason()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        {
            proxy.Dispose();
            var reader = NewReader();

            Assert.Equal(ProxyHeaderStatus.Invalid, reader.Read(UnixSockets.Number(client), peerHasClosed: true));

            Assert.Equal("the client closed the connection before sending one", reader.Problem);
        }
    }

    [Fact]
    public void Read_ClientClosedWithinTheHeader_IsRefusedWithTheByteCount()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            proxy.Send(Encoding.ASCII.GetBytes("PROXY TCP4 "));
            proxy.Shutdown(SocketShutdown.Send);
            var reader = NewReader();

            Assert.Equal(ProxyHeaderStatus.Invalid, reader.Read(UnixSockets.Number(client), peerHasClosed: true));

            Assert.Equal("the client closed the connection after 11 byte(s) of it", reader.Problem);
            Assert.Null(reader.AnnouncedSource);
        }
    }

    [Fact]
    public void Read_NotAHeader_IsRefusedWithTheParsersReason_AndNothingIsConsumed()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            proxy.Send(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\n"));
            var reader = NewReader();

            Assert.Equal(ProxyHeaderStatus.Invalid, reader.Read(UnixSockets.Number(client), peerHasClosed: false));

            Assert.StartsWith("not a PROXY protocol header", reader.Problem, StringComparison.Ordinal);
            Assert.Equal("GET / HTTP/1.1\r\n", Encoding.ASCII.GetString(ReceiveAvailable(client)));
        }
    }

    [Fact]
    public void Begin_SetsTheDeadlineOneTimeoutAhead_AndTheTimeoutReasonNamesIt()
    {
        var reader = new ProxyHeaderReader(TimeSpan.FromMilliseconds(1500));

        reader.Begin(nowTicks: 10_000);

        Assert.Equal(11_500, reader.DeadlineTicks);
        Assert.Equal("not complete within 1.5 s", reader.DescribeTimeout());
    }

    [Fact]
    public void Describe_AnnouncedClient_NamesTheProxyTheClientAndItsDestination()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            proxy.Send(Encoding.ASCII.GetBytes("PROXY TCP4 192.0.2.1 198.51.100.2 1000 443\r\n"));
            var reader = NewReader();
            Assert.Equal(ProxyHeaderStatus.Complete, reader.Read(UnixSockets.Number(client), peerHasClosed: false));

            Assert.Equal("10.0.0.1:7: PROXY v1 TCP4 header: client 192.0.2.1:1000, connected to 198.51.100.2:443", reader.Describe("10.0.0.1:7"));
        }
    }

    [Fact]
    public void MaySend_WithoutTrustedPrefixes_EveryPeerMay_ButAUnixPeerIsInNone()
    {
        var (client, proxy) = UnixSockets.CreateStreamPair();
        using (client)
        using (proxy)
        {
            Assert.True(AddressPrefix.TryParse("0.0.0.0/0", out var everyIPv4, out _));
            int fd = UnixSockets.Number(client);

            Assert.True(ProxyHeaderReader.MaySend(fd, trusted: null));
            Assert.False(ProxyHeaderReader.MaySend(fd, new TrustedProxies([everyIPv4])));
        }
    }

    private static ProxyHeaderReader NewReader() => new(TimeSpan.FromSeconds(5));

    private static byte[] ReceiveAvailable(Socket socket)
    {
        var buffer = new byte[4096];
        int received = socket.Receive(buffer, SocketFlags.None);
        return buffer[..received];
    }
}
