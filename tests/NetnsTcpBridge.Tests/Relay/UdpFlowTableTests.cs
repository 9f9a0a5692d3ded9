using NetnsTcpBridge.Relay.Udp;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>The UDP flow table: lookup by client, stale slots recognised, the oldest flow always first to expire, and an index that survives growth and churn.</summary>
public unsafe class UdpFlowTableTests
{
    [Fact]
    public void Flows_AreFoundByKey_AndBySlotOfTheirGeneration()
    {
        using var table = new UdpFlowTable();
        var flow = Add(table, 1, now: 0);

        Assert.True(flow == table.Find(Key(1)));
        Assert.True(flow == table.AtSlot(flow->Slot, flow->Generation));
        Assert.True(table.Find(Key(2)) is null);
        Assert.True(table.AtSlot(flow->Slot + 1, flow->Generation) is null);
    }

    [Fact]
    public void ASlotReused_DoesNotAnswerToTheOldGeneration()
    {
        using var table = new UdpFlowTable();
        var first = Add(table, 1, now: 0);
        int slot = first->Slot;
        uint generation = first->Generation;
        table.Remove(first);
        table.Remove(first);

        var second = Add(table, 2, now: 0);

        Assert.Equal(slot, second->Slot);
        Assert.True(table.AtSlot(slot, generation) is null);
        Assert.True(second == table.AtSlot(slot, second->Generation));
        Assert.True(table.Find(Key(1)) is null);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Oldest_IsTheLeastRecentlyTouched()
    {
        using var table = new UdpFlowTable();
        var a = Add(table, 1, now: 0);
        var b = Add(table, 2, now: 1);
        var c = Add(table, 3, now: 2);
        Assert.True(a == table.Oldest);

        table.Touch(a, now: 5);
        Assert.True(b == table.Oldest);

        table.Remove(b);
        Assert.True(c == table.Oldest);

        table.Remove(c);
        Assert.True(a == table.Oldest);
        Assert.Equal(5, a->LastActive);

        table.Remove(a);
        Assert.True(table.Oldest is null);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void TouchingTheNewest_KeepsTheOrder()
    {
        using var table = new UdpFlowTable();
        var a = Add(table, 1, now: 0);
        var b = Add(table, 2, now: 0);

        table.Touch(b, now: 3);
        table.Touch(b, now: 4);

        Assert.True(a == table.Oldest);
        table.Remove(a);
        Assert.True(b == table.Oldest);
    }

    /// <summary>Thousands of flows over many chunks and index sizes, half removed at random, then refilled: every one found, none twice, records never moved.</summary>
    [Fact]
    public void ManyFlows_AddedAndRemovedAtRandom_AreAllFound_AndKeepTheirRecords()
    {
        using var table = new UdpFlowTable();
        var random = new Random(7);
        var open = new Dictionary<int, nint>();
        for (int port = 0; port < 5000; port++)
        {
            open[port] = (nint)Add(table, port, now: port);
        }

        foreach (int port in open.Keys.Where(_ => random.Next(2) == 0).ToList())
        {
            table.Remove((UdpFlow*)open[port]);
            open.Remove(port);
        }

        for (int port = 5000; port < 7000; port++)
        {
            open[port] = (nint)Add(table, port, now: port);
        }

        Assert.Equal(open.Count, table.Count);
        for (int port = 0; port < 7000; port++)
        {
            var found = table.Find(Key(port));
            Assert.True(open.TryGetValue(port, out nint record) ? found == (UdpFlow*)record && found->Key == Key(port) : found is null, $"port {port}");
        }

        // Expiry order: by last activity, each open flow once.
        var seen = new List<long>();
        while (table.Oldest is var oldest && oldest is not null)
        {
            seen.Add(oldest->LastActive);
            table.Remove(oldest);
        }

        Assert.Equal(open.Keys.Order().Select(port => (long)port), seen);
        Assert.Equal(0, table.Count);
    }

    /// <summary>An idle flow's memory is its record and its index entry: nothing on the managed heap for the collector to keep.</summary>
    [Fact]
    public void TenThousandFlows_AllocateNothingPerFlowOnTheManagedHeap()
    {
        using var table = new UdpFlowTable();
        Add(table, 0, now: 0);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int port = 1; port <= 10_000; port++)
        {
            Add(table, port, now: port);
        }

        // The list of chunks doubles a few times: pointers, not flows.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1024);
        Assert.Equal(128, sizeof(UdpFlow));
    }

    [Fact]
    public void KeyAddress_IsTheSockaddrItWasReadFrom()
    {
        byte* v4 = stackalloc byte[32];
        byte* v6 = stackalloc byte[32];
        new Span<byte>(v4, 32).Clear();
        new Span<byte>(v6, 32).Clear();
        *(ushort*)v4 = 2; // AF_INET
        v4[2] = 0x14;
        v4[3] = 0xe9;
        v4[4] = 127;
        v4[7] = 1;
        *(ushort*)v6 = 10; // AF_INET6
        v6[3] = 53;
        for (int i = 8; i < 24; i++)
        {
            v6[i] = (byte)i;
        }

        v6[24] = 3;

        byte* written = stackalloc byte[32];
        Assert.Equal(16u, UdpFlowKey.From(0, v4).WriteAddress(written));
        Assert.Equal(new Span<byte>(v4, 16).ToArray(), new Span<byte>(written, 16).ToArray());
        Assert.Equal(28u, UdpFlowKey.From(1, v6).WriteAddress(written));
        Assert.Equal(new Span<byte>(v6, 28).ToArray(), new Span<byte>(written, 28).ToArray());
    }

    private static UdpFlowKey Key(int port) => new(0, 0, 0x0100007f, (2u << 16) | (uint)port, 0);

    private static UdpFlow* Add(UdpFlowTable table, int port, long now) => table.Add(Key(port), socket: -1, default, now);
}
