using NetnsTcpBridge.Relay;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

public class DeadlineHeapTests
{
    [Fact]
    public void Peek_GivesTheEarliest_AndRemovingIt_GivesTheNext()
    {
        var heap = new DeadlineHeap<Item>();
        var items = new[] { new Item(30), new Item(10), new Item(20) };
        foreach (var item in items)
        {
            heap.Add(item);
        }

        Assert.True(heap.TryPeek(out var first));
        Assert.Equal(10, first.DeadlineTicks);
        heap.Remove(first);
        Assert.Equal(-1, first.HeapIndex);
        Assert.True(heap.TryPeek(out var second));
        Assert.Equal(20, second.DeadlineTicks);
    }

    [Fact]
    public void Remove_OfAnItemNotInTheHeap_DoesNothing()
    {
        var heap = new DeadlineHeap<Item>();
        heap.Add(new Item(5));
        var stranger = new Item(1);

        heap.Remove(stranger);
        heap.Remove(stranger);

        Assert.Equal(1, heap.Count);
    }

    [Fact]
    public void Add_Twice_Throws()
    {
        var heap = new DeadlineHeap<Item>();
        var item = new Item(5);
        heap.Add(item);

        Assert.Throws<InvalidOperationException>(() => heap.Add(item));
    }

    [Fact]
    public void EarliestMovedLater_ReordersIt()
    {
        var heap = new DeadlineHeap<Item>();
        var early = new Item(1);
        heap.Add(early);
        heap.Add(new Item(5));
        heap.Add(new Item(7));

        early.DeadlineTicks = 6;
        heap.EarliestMovedLater();

        Assert.True(heap.TryPeek(out var now));
        Assert.Equal(5, now.DeadlineTicks);
    }

    /// <summary>Random adds, removals of any item and re-arming of the earliest, checked against a plain list.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void RandomOperations_AlwaysAgreeWithASortedModel(int seed)
    {
        var random = new Random(seed);
        var heap = new DeadlineHeap<Item>();
        var model = new List<Item>();
        for (int step = 0; step < 5000; step++)
        {
            int operation = random.Next(3);
            if (operation == 0 || model.Count == 0)
            {
                var item = new Item(random.Next(1000));
                heap.Add(item);
                model.Add(item);
            }
            else if (operation == 1)
            {
                var victim = model[random.Next(model.Count)];
                heap.Remove(victim);
                model.Remove(victim);
            }
            else
            {
                Assert.True(heap.TryPeek(out var earliest));
                earliest.DeadlineTicks += random.Next(1, 500);
                heap.EarliestMovedLater();
            }

            Assert.Equal(model.Count, heap.Count);
            if (model.Count > 0)
            {
                Assert.True(heap.TryPeek(out var head));
                Assert.Equal(model.Min(i => i.DeadlineTicks), head.DeadlineTicks);
            }
        }

        // Drained in deadline order.
        long previous = long.MinValue;
        while (heap.TryPeek(out var next))
        {
            Assert.True(next.DeadlineTicks >= previous);
            previous = next.DeadlineTicks;
            heap.Remove(next);
        }
    }

    internal sealed class Item : IDeadlineHeapItem
    {
        public Item(long deadline)
        {
            DeadlineTicks = deadline;
        }

        public long DeadlineTicks { get; set; }

        public int HeapIndex { get; set; } = -1;
    }
}
