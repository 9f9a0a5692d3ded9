using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

// Real pipes: the budget decides the capacity the kernel reports for each pipe lent.
public class PipePoolTests
{
    private const int Full = 1024 * 1024;

    [Fact]
    public void WithinTheBudget_PipesHaveTheRequestedSize_PastIt_OnePage()
    {
        var budget = new PipeBudget(2L * Full);
        var pool = new PipePool(Full, budget);

        var first = pool.Rent();
        var second = pool.Rent();
        var third = pool.Rent();
        try
        {
            Assert.False(first.IsSmall);
            Assert.False(second.IsSmall);
            Assert.True(third.IsSmall);
            Assert.Equal(PipeBudget.SmallPipeSize, third.Capacity);
            Assert.Equal((2L * Full) + PipeBudget.SmallPipeSize, budget.Charged);
        }
        finally
        {
            pool.Return(first);
            pool.Return(second);
            pool.Return(third);
        }

        Assert.Equal(0, budget.Charged);
    }

    [Fact]
    public void APipeGivenBack_MakesRoomForAFullOneAgain()
    {
        // Room for one full pipe and one small one: the small one counts too.
        var budget = new PipeBudget(Full + PipeBudget.SmallPipeSize);
        var pool = new PipePool(Full, budget);
        var full = pool.Rent();
        var small = pool.Rent();
        Assert.True(small.IsSmall);

        pool.Return(full);
        var again = pool.Rent();

        Assert.False(again.IsSmall);
        pool.Discard(again);
        pool.Discard(small);
        Assert.Equal(0, budget.Charged);
    }

    [Fact]
    public void ABudgetOfZero_LendsOnlyOnePagePipes()
    {
        var budget = new PipeBudget(0);
        var pool = new PipePool(Full, budget);

        var pipe = pool.Rent();

        Assert.True(pipe.IsSmall);
        Assert.Equal(PipeBudget.SmallPipeSize, pipe.Capacity);
        pool.Return(pipe);
        Assert.Equal(0, budget.Charged);
    }
}
