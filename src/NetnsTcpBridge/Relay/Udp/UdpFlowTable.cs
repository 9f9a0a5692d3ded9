using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// The open flows of the UDP relay: found by client (<see cref="UdpFlowKey"/>, see
/// UdpFlowTable.Index.cs), by epoll slot, and in order of last activity. Every flow shares one
/// idle timeout, so the least recently active flow is always the first to expire: touching a
/// flow moves it to the end of a linked list, and expiry looks at the head only.
/// </summary>
/// <remarks>
/// Memory: the flows are records (<see cref="UdpFlow"/>, 128 bytes) in chunks of native memory
/// that never move, so a pointer to a flow stays valid until it is removed, and the garbage
/// collector has nothing to trace or keep. A chunk is allocated when the slots before it are all
/// in use, and its pages cost memory only once written; an ended flow's slot is the next one
/// used. Nothing here allocates on the managed heap after the first few flows. Used by the
/// relay's thread alone.
/// </remarks>
internal sealed unsafe partial class UdpFlowTable : IDisposable
{
    private const int None = -1;
    private const int ChunkShift = 9;
    private const int ChunkRecords = 1 << ChunkShift; // 64 KiB of records

    private nint[] _chunks = new nint[8];
    private int _chunkCount;
    private int _slotsUsed;
    private int _freeSlots = None;
    private int _oldest = None;
    private int _newest = None;
    private uint _nextGeneration;

    public int Count { get; private set; }

    /// <summary>The flow that has been idle longest; null when there is none.</summary>
    public UdpFlow* Oldest => _oldest == None ? null : Record(_oldest);

    public UdpFlow* Find(in UdpFlowKey key)
    {
        int slot = FindSlot(key);
        return slot == None ? null : Record(slot);
    }

    /// <summary>The flow in <paramref name="slot"/> if it is still of <paramref name="generation"/> (a stale epoll event finds none).</summary>
    public UdpFlow* AtSlot(int slot, uint generation)
    {
        if ((uint)slot >= (uint)_slotsUsed)
        {
            return null;
        }

        var flow = Record(slot);
        return flow->Slot == slot && flow->Generation == generation ? flow : null;
    }

    /// <summary>A new flow, the most recently active, with a slot and a generation for its epoll token; valid until <see cref="Remove"/>.</summary>
    public UdpFlow* Add(in UdpFlowKey key, int socket, UdpReplySource replySource, long now)
    {
        int slot = _freeSlots;
        if (slot != None)
        {
            _freeSlots = Record(slot)->Newer;
        }
        else
        {
            slot = NewSlot();
        }

        var flow = Record(slot);

        // Generation uint.MaxValue would make tokens that could match the relay's own; 0 marks a free record.
        _nextGeneration = _nextGeneration >= uint.MaxValue - 1 ? 1 : _nextGeneration + 1;
        *flow = new UdpFlow
        {
            Key = key,
            Socket = socket,
            Slot = slot,
            Generation = _nextGeneration,
            Older = None,
            Newer = None,
            ReplySource = replySource,
            Started = now,
            LastActive = now,
        };
        IndexAdd(slot, key);
        Append(flow);
        Count++;
        return flow;
    }

    /// <summary>Frees the flow's record (its fields are not to be read afterwards); removing it again does nothing.</summary>
    public void Remove(UdpFlow* flow)
    {
        int slot = flow->Slot;
        if (slot < 0)
        {
            return;
        }

        IndexRemove(slot, flow->Key);
        Unlink(flow);
        flow->Slot = None;
        flow->Generation = 0;
        flow->Newer = _freeSlots;
        _freeSlots = slot;
        Count--;
    }

    /// <summary>A datagram moved: the flow becomes the most recently active.</summary>
    public void Touch(UdpFlow* flow, long now)
    {
        flow->LastActive = now;
        if (_newest != flow->Slot)
        {
            Unlink(flow);
            Append(flow);
        }
    }

    public void Dispose()
    {
        for (int i = 0; i < _chunkCount; i++)
        {
            NativeMemory.Free((void*)_chunks[i]);
        }

        _chunkCount = 0;
        _slotsUsed = 0;
        DisposeIndex();
    }

    private UdpFlow* Record(int slot) => (UdpFlow*)_chunks[slot >> ChunkShift] + (slot & (ChunkRecords - 1));

    private int NewSlot()
    {
        if (_slotsUsed == _chunkCount * ChunkRecords)
        {
            if (_chunkCount == _chunks.Length)
            {
                Array.Resize(ref _chunks, _chunks.Length * 2);
            }

            // Not cleared: a record is written whole when its slot is first used.
            _chunks[_chunkCount++] = (nint)NativeMemory.Alloc((nuint)(ChunkRecords * sizeof(UdpFlow)));
        }

        return _slotsUsed++;
    }

    private void Append(UdpFlow* flow)
    {
        flow->Older = _newest;
        flow->Newer = None;
        if (_newest != None)
        {
            Record(_newest)->Newer = flow->Slot;
        }

        _newest = flow->Slot;
        if (_oldest == None)
        {
            _oldest = flow->Slot;
        }
    }

    private void Unlink(UdpFlow* flow)
    {
        if (flow->Older != None)
        {
            Record(flow->Older)->Newer = flow->Newer;
        }
        else if (_oldest == flow->Slot)
        {
            _oldest = flow->Newer;
        }

        if (flow->Newer != None)
        {
            Record(flow->Newer)->Older = flow->Older;
        }
        else if (_newest == flow->Slot)
        {
            _newest = flow->Older;
        }

        flow->Older = None;
        flow->Newer = None;
    }
}
