using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class EndingCountsTests
{
    [Fact]
    public void Default_CountsZeroForEveryReason_AndEqualsAllZeroCounts()
    {
        var none = default(EndingCounts);

        Assert.All(CloseReasons.All, reason => Assert.Equal(0, none[reason]));
        Assert.Equal(0, none.Total);
        Assert.Equal(EndingCounts.Of(), none);
        Assert.Equal(EndingCounts.From(_ => 0).GetHashCode(), none.GetHashCode());
    }

    [Fact]
    public void Add_SumsReasonByReason()
    {
        var a = EndingCounts.Of((CloseReason.FinBothWays, 2), (CloseReason.IdleTimeout, 1));
        var b = EndingCounts.Of((CloseReason.FinBothWays, 3), (CloseReason.ConnectRefused, 4));

        var sum = default(EndingCounts).Add(a).Add(b);

        Assert.Equal(EndingCounts.Of((CloseReason.FinBothWays, 5), (CloseReason.IdleTimeout, 1), (CloseReason.ConnectRefused, 4)), sum);
        Assert.Equal(10, sum.Total);
    }

    [Fact]
    public void Equality_SeesADifferenceInAnyOneReason()
    {
        foreach (var reason in CloseReasons.All)
        {
            Assert.NotEqual(default, EndingCounts.Of((reason, 1)));
            Assert.True(EndingCounts.Of((reason, 1)) != EndingCounts.Of((reason, 2)));
            Assert.True(EndingCounts.Of((reason, 1)) == EndingCounts.From(r => r == reason ? 1 : 0));
        }
    }

    [Fact]
    public void ToString_NamesTheCountedReasons()
    {
        Assert.Equal("fin_both_ways 2, connect_refused 1", EndingCounts.Of((CloseReason.ConnectRefused, 1), (CloseReason.FinBothWays, 2)).ToString());
        Assert.Equal("none", default(EndingCounts).ToString());
    }
}
