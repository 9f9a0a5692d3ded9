namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// The open flows of the UDP relay: found by client (<see cref="UdpFlowKey"/>), by epoll slot,
/// and in order of last activity. Every flow shares one idle timeout, so the least recently
/// active flow is always the first to expire: touching a flow moves it to the end of a linked
/// list, and expiry looks at the head only. Used by the relay's thread alone.
/// </summary>
internal sealed class UdpFlowTable
{
    private readonly Dictionary<UdpFlowKey, UdpFlow> _byKey = [];
    private readonly List<UdpFlow?> _slots = [];
    private readonly Stack<int> _freeSlots = new();
    private uint _nextGeneration;

    public int Count => _byKey.Count;

    /// <summary>The flow that has been idle longest; null when there is none.</summary>
    public UdpFlow? Oldest { get; private set; }

    private UdpFlow? Newest { get; set; }

    public UdpFlow? Find(in UdpFlowKey key) => _byKey.GetValueOrDefault(key);

    /// <summary>The flow in <paramref name="slot"/> if it is still of <paramref name="generation"/> (a stale epoll event finds none).</summary>
    public UdpFlow? AtSlot(int slot, uint generation) =>
        slot < _slots.Count && _slots[slot] is { } flow && flow.Generation == generation ? flow : null;

    /// <summary>Adds a new flow as the most recently active; gives it a slot and a generation for its epoll token.</summary>
    public void Add(UdpFlow flow)
    {
        _byKey.Add(flow.Key, flow);
        int slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        _slots[slot] = flow;
        flow.Slot = slot;

        // Generation uint.MaxValue would make tokens that could match the relay's own.
        flow.Generation = _nextGeneration = _nextGeneration >= uint.MaxValue - 1 ? 1 : _nextGeneration + 1;
        Append(flow);
    }

    public void Remove(UdpFlow flow)
    {
        if (flow.Slot < 0)
        {
            return;
        }

        _byKey.Remove(flow.Key);
        _slots[flow.Slot] = null;
        _freeSlots.Push(flow.Slot);
        flow.Slot = -1;
        Unlink(flow);
    }

    /// <summary>A datagram moved: the flow becomes the most recently active.</summary>
    public void Touch(UdpFlow flow, long now)
    {
        flow.LastActive = now;
        if (Newest != flow)
        {
            Unlink(flow);
            Append(flow);
        }
    }

    /// <summary>Every open flow, for a stop.</summary>
    public List<UdpFlow> All() => [.. _byKey.Values];

    private int AddSlot()
    {
        _slots.Add(null);
        return _slots.Count - 1;
    }

    private void Append(UdpFlow flow)
    {
        flow.Older = Newest;
        flow.Newer = null;
        if (Newest is not null)
        {
            Newest.Newer = flow;
        }

        Newest = flow;
        Oldest ??= flow;
    }

    private void Unlink(UdpFlow flow)
    {
        if (flow.Older is not null)
        {
            flow.Older.Newer = flow.Newer;
        }
        else if (Oldest == flow)
        {
            Oldest = flow.Newer;
        }

        if (flow.Newer is not null)
        {
            flow.Newer.Older = flow.Older;
        }
        else if (Newest == flow)
        {
            Newest = flow.Older;
        }

        flow.Older = null;
        flow.Newer = null;
    }
}
