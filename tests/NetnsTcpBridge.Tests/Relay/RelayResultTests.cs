using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class RelayResultTests
{
    [Fact]
    public void RelayResult_DescribesBothDirections()
    {
        var clean = new RelayResult(
            new DirectionResult(10, DirectionEnding.EndOfStream, null),
            new DirectionResult(20, DirectionEnding.EndOfStream, null));
        var reset = new RelayResult(
            new DirectionResult(1, DirectionEnding.Aborted, null),
            new DirectionResult(2, DirectionEnding.ReadFailed, "ConnectionReset"));
        var broken = new RelayResult(
            new DirectionResult(3, DirectionEnding.WriteFailed, "Shutdown"),
            new DirectionResult(4, DirectionEnding.EndOfStream, null));

        Assert.True(clean.IsClean);
        Assert.False(reset.IsClean);
        Assert.False(broken.IsClean);
        Assert.Equal("client->server 10 bytes (FIN), server->client 20 bytes (FIN)", clean.ToString());
        Assert.Equal("client->server 1 bytes (aborted), server->client 2 bytes (read failed: ConnectionReset)", reset.ToString());
        Assert.Equal("client->server 3 bytes (write failed: Shutdown), server->client 4 bytes (FIN)", broken.ToString());
    }
}
