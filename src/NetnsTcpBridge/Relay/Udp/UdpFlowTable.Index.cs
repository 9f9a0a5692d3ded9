using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Relay.Udp;

// Finding a flow by its key: open addressing with linear probing over an array of slots (slot + 1;
// 0 is empty), at most half full, in native memory. It doubles when needed and the old array is
// freed at once, so it leaves no garbage behind; 4 to 8 bytes a flow. A removal shifts the
// entries after it back rather than leaving a tombstone, so lookups never slow down with churn.
internal sealed unsafe partial class UdpFlowTable
{
    private const int InitialBuckets = 64;

    private int* _buckets;
    private int _bucketMask;

    private int FindSlot(in UdpFlowKey key)
    {
        if (_buckets is null)
        {
            return None;
        }

        for (int i = key.GetHashCode() & _bucketMask; ; i = (i + 1) & _bucketMask)
        {
            int entry = _buckets[i];
            if (entry == 0)
            {
                return None;
            }

            if (Record(entry - 1)->Key == key)
            {
                return entry - 1;
            }
        }
    }

    private void IndexAdd(int slot, in UdpFlowKey key)
    {
        if (_buckets is null || (Count + 1) * 2 > _bucketMask + 1)
        {
            Rehash(_buckets is null ? InitialBuckets : (_bucketMask + 1) * 2);
        }

        Place(slot, key.GetHashCode());
    }

    private void IndexRemove(int slot, in UdpFlowKey key)
    {
        int hole = key.GetHashCode() & _bucketMask;
        while (_buckets[hole] != slot + 1)
        {
            hole = (hole + 1) & _bucketMask;
        }

        // Each entry after the hole that may live there (its home is not between the hole and
        // itself) moves into it, until an empty bucket ends the run.
        for (int j = (hole + 1) & _bucketMask; _buckets[j] != 0; j = (j + 1) & _bucketMask)
        {
            int home = Record(_buckets[j] - 1)->Key.GetHashCode() & _bucketMask;
            if (((j - home) & _bucketMask) >= ((j - hole) & _bucketMask))
            {
                _buckets[hole] = _buckets[j];
                hole = j;
            }
        }

        _buckets[hole] = 0;
    }

    private void Rehash(int capacity)
    {
        int* old = _buckets;
        int oldCapacity = old is null ? 0 : _bucketMask + 1;
        _buckets = (int*)NativeMemory.AllocZeroed((nuint)capacity, sizeof(int));
        _bucketMask = capacity - 1;
        for (int i = 0; i < oldCapacity; i++)
        {
            if (old[i] != 0)
            {
                Place(old[i] - 1, Record(old[i] - 1)->Key.GetHashCode());
            }
        }

        NativeMemory.Free(old);
    }

    private void Place(int slot, int hash)
    {
        int i = hash & _bucketMask;
        while (_buckets[i] != 0)
        {
            i = (i + 1) & _bucketMask;
        }

        _buckets[i] = slot + 1;
    }

    private void DisposeIndex()
    {
        NativeMemory.Free(_buckets);
        _buckets = null;
    }
}
