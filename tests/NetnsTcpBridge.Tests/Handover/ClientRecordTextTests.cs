using NetnsTcpBridge.Handover;
using Xunit;

namespace NetnsTcpBridge.Tests.Handover;

public class ClientRecordTextTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(41)]
    public void Prepared_ThenParsed_GivesTheRoute(int route)
    {
        Assert.True(ClientRecordText.TryParse(ClientRecordText.Prepared(route), out bool prepared, out int parsed));
        Assert.True(prepared);
        Assert.Equal(route, parsed);
    }

    [Fact]
    public void RouteZero_IsTheTextOfEarlierVersions()
    {
        Assert.Equal(HandoverChannel.PreparedClient, ClientRecordText.Prepared(0));
    }

    [Fact]
    public void EmptyText_IsAnUnpreparedClientOfRouteZero()
    {
        Assert.True(ClientRecordText.TryParse(string.Empty, out bool prepared, out int route));
        Assert.False(prepared);
        Assert.Equal(0, route);
    }

    [Theory]
    [InlineData("something")]
    [InlineData("nonblock,nodelay;route=")]
    [InlineData("nonblock,nodelay;route=-1")]
    [InlineData("nonblock,nodelay;route=1x")]
    [InlineData("nonblock,nodelay;rule=1")]
    public void UnknownText_IsRefused(string text)
    {
        Assert.False(ClientRecordText.TryParse(text, out _, out _));
    }
}
