using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class WarningBurstLimitTests
{
    [Fact]
    public void TheFirstBurst_IsWritten_TheRestOfTheWindowOnlyCounted()
    {
        var limit = new WarningBurstLimit();
        int written = 0;
        for (int i = 0; i < 100; i++)
        {
            if (limit.TryWrite(now: 1000 + i, out long leftOut))
            {
                written++;
                Assert.Equal(0, leftOut);
            }
        }

        Assert.Equal(WarningBurstLimit.Burst, written);
    }

    [Fact]
    public void TheFirstWarningOfTheNextWindow_SaysHowManyWereLeftOut()
    {
        var limit = new WarningBurstLimit();
        for (int i = 0; i < WarningBurstLimit.Burst + 7; i++)
        {
            _ = limit.TryWrite(now: 1000, out _);
        }

        Assert.True(limit.TryWrite(now: 11_000, out long leftOut));
        Assert.Equal(7, leftOut);
        Assert.True(limit.TryWrite(now: 11_001, out leftOut));
        Assert.Equal(0, leftOut);
    }

    [Fact]
    public void TheNote_IsEmptyWhenNothingWasLeftOut_ElseNamesTheCount()
    {
        Assert.Equal(string.Empty, WarningBurstLimit.LeftOutNote(0));
        Assert.Contains("7 more like it not written", WarningBurstLimit.LeftOutNote(7), StringComparison.Ordinal);
    }
}
