using NetnsTcpBridge.Relay.Udp;
using Xunit;

namespace NetnsTcpBridge.Tests.Relay;

/// <summary>The UDP flow table: lookup by client, stale slots recognised, and the oldest flow always first to expire.</summary>
public class UdpFlowTableTests
{
    [Fact]
    public void Flows_AreFoundByKey_AndBySlotOfTheirGeneration()
    {
        var table = new UdpFlowTable();
        var flow = Flow(1, now: 0);

        table.Add(flow);

        Assert.Same(flow, table.Find(Key(1)));
        Assert.Same(flow, table.AtSlot(flow.Slot, flow.Generation));
        Assert.Null(table.Find(Key(2)));
    }

    [Fact]
    public void ASlotReused_DoesNotAnswerToTheOldGeneration()
    {
        var table = new UdpFlowTable();
        var first = Flow(1, now: 0);
        table.Add(first);
        int slot = first.Slot;
        uint generation = first.Generation;
        table.Remove(first);

        var second = Flow(2, now: 0);
        table.Add(second);

        Assert.Equal(slot, second.Slot);
        Assert.Null(table.AtSlot(slot, generation));
        Assert.Same(second, table.AtSlot(slot, second.Generation));
        Assert.Null(table.Find(Key(1)));
    }

    [Fact]
    public void Oldest_IsTheLeastRecentlyTouched()
    {
        var table = new UdpFlowTable();
        var a = Flow(1, now: 0);
        var b = Flow(2, now: 1);
        var c = Flow(3, now: 2);
        table.Add(a);
        table.Add(b);
        table.Add(c);
        Assert.Same(a, table.Oldest);

        table.Touch(a, now: 5);
        Assert.Same(b, table.Oldest);

        table.Remove(b);
        Assert.Same(c, table.Oldest);

        table.Remove(c);
        Assert.Same(a, table.Oldest);
        Assert.Equal(5, a.LastActive);

        table.Remove(a);
        Assert.Null(table.Oldest);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void TouchingTheNewest_KeepsTheOrder()
    {
        var table = new UdpFlowTable();
        var a = Flow(1, now: 0);
        var b = Flow(2, now: 0);
        table.Add(a);
        table.Add(b);

        table.Touch(b, now: 3);
        table.Touch(b, now: 4);

        Assert.Same(a, table.Oldest);
        table.Remove(a);
        Assert.Same(b, table.Oldest);
    }

    private static UdpFlowKey Key(int port) => new(0, 0, 0x0100007f, (2u << 16) | (uint)port, 0);

    private static UdpFlow Flow(int port, long now) => new(Key(port), socket: -1, clientAddress: [], replyControl: null, now);
}
