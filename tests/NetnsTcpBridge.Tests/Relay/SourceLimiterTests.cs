using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class SourceLimiterTests
{
    [Fact]
    public void TryEnter_AdmitsUpToTheLimit_ThenRefuses_UntilOneLeaves()
    {
        var limiter = new SourceLimiter(2);
        var source = Key("192.0.2.7");

        Assert.True(limiter.TryEnter(source));
        Assert.True(limiter.TryEnter(source));
        Assert.False(limiter.TryEnter(source));
        Assert.Equal(2, limiter.OpenFrom(source));

        limiter.Leave(source);
        Assert.True(limiter.TryEnter(source));
        Assert.False(limiter.TryEnter(source));
    }

    [Fact]
    public void EachAddressHasItsOwnCount()
    {
        var limiter = new SourceLimiter(1);

        Assert.True(limiter.TryEnter(Key("192.0.2.7")));
        Assert.True(limiter.TryEnter(Key("192.0.2.8")));
        Assert.True(limiter.TryEnter(Key("2001:db8::7")));
        Assert.False(limiter.TryEnter(Key("192.0.2.7")));
    }

    [Fact]
    public void Leave_ForgetsAnAddressAtZero_AndIgnoresExtraLeaves()
    {
        var limiter = new SourceLimiter(1);
        var source = Key("198.51.100.1");
        Assert.True(limiter.TryEnter(source));

        limiter.Leave(source);
        limiter.Leave(source);

        Assert.Equal(0, limiter.OpenFrom(source));
        Assert.True(limiter.TryEnter(source));
        Assert.False(limiter.TryEnter(source));
    }

    [Fact]
    public void Ipv4_AndItsIpv4MappedIpv6Form_AreOneSource()
    {
        Assert.Equal(Key("192.0.2.7"), Key("::ffff:192.0.2.7"));
        Assert.NotEqual(Key("192.0.2.7"), Key("::192.0.2.7"));
    }

    [Theory]
    [InlineData("192.0.2.7")]
    [InlineData("::ffff:192.0.2.7")]
    [InlineData("2001:db8::1:7")]
    public void KeyOf_AnAnnouncedAddress_IsTheKeyOfTheSamePeer(string address)
    {
        Assert.Equal(Key(address), SourceLimiter.KeyOf(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("192.0.2.7")]
    [InlineData("2001:db8::1:7")]
    [InlineData("::1")]
    public void ToAddress_GivesBackTheAddress(string text)
    {
        Assert.Equal(IPAddress.Parse(text), SourceLimiter.ToAddress(Key(text)));
    }

    [Fact]
    public void ToAddress_OfAMappedAddress_IsWrittenAsIpv4()
    {
        Assert.Equal("192.0.2.7", SourceLimiter.ToAddress(Key("::ffff:192.0.2.7")).ToString());
    }

    [Fact]
    public void UnixSockaddr_IsNotASource()
    {
        var unix = new UnixDomainSocketEndPoint("/tmp/x.sock").Serialize();

        Assert.False(SourceLimiter.TryParseSockaddr(unix.Buffer.Span[..unix.Size], out _));
        Assert.False(SourceLimiter.TryParseSockaddr([2], out _));
        Assert.False(SourceLimiter.TryParseSockaddr([2, 0, 0, 80, 127], out _));
    }

    [Fact]
    public void TryGetSource_OfARealConnectedSocket_IsItsPeerAddress_AndOfAUnixSocketIsNone()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var accepted = listener.Accept();

        Assert.True(SourceLimiter.TryGetSource((int)accepted.Handle, out var source));
        Assert.Equal(Key("127.0.0.1"), source);

        using var pairEnd = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        Assert.False(SourceLimiter.TryGetSource((int)pairEnd.Handle, out _));
    }

    [Fact]
    public async Task ManyThreads_EnteringAndLeaving_NeverExceedTheLimit()
    {
        const int Limit = 3;
        var limiter = new SourceLimiter(Limit);
        var source = Key("203.0.113.9");
        int inside = 0;
        int worst = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int i = 0; i < 20_000; i++)
            {
                if (limiter.TryEnter(source))
                {
                    int now = Interlocked.Increment(ref inside);
                    InterlockedMax(ref worst, now);
                    Interlocked.Decrement(ref inside);
                    limiter.Leave(source);
                }
            }
        })));

        Assert.InRange(worst, 1, Limit);
        Assert.Equal(0, limiter.OpenFrom(source));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static UInt128 Key(string address)
    {
        var sockaddr = new IPEndPoint(IPAddress.Parse(address), 80).Serialize();
        Assert.True(SourceLimiter.TryParseSockaddr(sockaddr.Buffer.Span[..sockaddr.Size], out var key));
        return key;
    }
}
