using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class ResetDrainCheckTests
{
    [Fact]
    public void Checks_StartAfterOneMillisecond_ThenDoubleUpToTheCap()
    {
        var check = new ResetDrainCheck(null!, nowTicks: 1000, limitTicks: 3000);
        var intervals = new List<long>();
        long now = 1000;
        for (int i = 0; i < 9; i++)
        {
            intervals.Add(check.DeadlineTicks - now);
            now = check.DeadlineTicks;
            check.Postpone(now);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 64, 64], intervals);
    }

    [Fact]
    public void AWholeDrainThatNeverEnds_CostsAFewDozenChecks_TheLastAtTheLimit()
    {
        // A peer that never reads holds the reset for the whole limit (2 s): that must cost a few
        // dozen checks, not one per millisecond.
        var check = new ResetDrainCheck(null!, nowTicks: 0, limitTicks: 2000);
        int checks = 0;
        long now = 0;
        while (true)
        {
            now = check.DeadlineTicks;
            checks++;
            Assert.True(now <= 2000, $"check at {now}, after the limit");
            if (check.IsAtLimit(now))
            {
                break;
            }

            check.Postpone(now);
        }

        Assert.Equal(2000, now);
        Assert.InRange(checks, 2, 2000 / ResetDrainCheck.MaxIntervalMilliseconds + 10);
    }

    [Fact]
    public void ALimitSoonerThanTheFirstCheck_IsTheFirstCheck()
    {
        var check = new ResetDrainCheck(null!, nowTicks: 500, limitTicks: 500);

        Assert.Equal(500, check.DeadlineTicks);
        Assert.True(check.IsAtLimit(500));
    }
}
