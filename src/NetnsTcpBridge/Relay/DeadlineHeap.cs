namespace NetnsTcpBridge.Relay;

/// <summary>An item of a <see cref="DeadlineHeap{T}"/>: it keeps its own position, so it can be removed without a search.</summary>
internal interface IDeadlineHeapItem
{
    /// <summary>Environment.TickCount64 at which the item is due.</summary>
    long DeadlineTicks { get; }

    /// <summary>Position in the heap, -1 when not in one. Set by the heap only.</summary>
    int HeapIndex { get; set; }
}

/// <summary>
/// A binary min-heap on <see cref="IDeadlineHeapItem.DeadlineTicks"/> whose items know their
/// index (an "intrusive" heap, as in libuv and nginx): adding, removing any item, and moving the
/// earliest one later all cost O(log n) and allocate nothing once the list has grown. So a closed
/// connection leaves no stale entry behind, and an idle deadline is pushed back only when it
/// comes due, not on every transfer.
/// </summary>
internal sealed class DeadlineHeap<T>
    where T : class, IDeadlineHeapItem
{
    private readonly List<T> _items = [];

    public int Count => _items.Count;

    public bool TryPeek(out T earliest)
    {
        earliest = _items.Count > 0 ? _items[0] : null!;
        return _items.Count > 0;
    }

    public void Add(T item)
    {
        if (item.HeapIndex >= 0)
        {
            throw new InvalidOperationException("the item is already in a heap");
        }

        item.HeapIndex = _items.Count;
        _items.Add(item);
        SiftUp(item.HeapIndex);
    }

    /// <summary>Removes <paramref name="item"/> if it is in the heap; does nothing otherwise.</summary>
    public void Remove(T item)
    {
        int index = item.HeapIndex;
        if (index < 0 || index >= _items.Count || !ReferenceEquals(_items[index], item))
        {
            return;
        }

        int last = _items.Count - 1;
        if (index != last)
        {
            Place(_items[last], index);
        }

        _items.RemoveAt(last);
        item.HeapIndex = -1;
        if (index < _items.Count)
        {
            SiftDown(index);
            SiftUp(index);
        }
    }

    /// <summary>Restores the order after the earliest item's deadline was moved later.</summary>
    public void EarliestMovedLater() => SiftDown(0);

    private void SiftUp(int index)
    {
        var item = _items[index];
        while (index > 0)
        {
            int parent = (index - 1) / 2;
            if (_items[parent].DeadlineTicks <= item.DeadlineTicks)
            {
                break;
            }

            Place(_items[parent], index);
            index = parent;
        }

        Place(item, index);
    }

    private void SiftDown(int index)
    {
        if (index >= _items.Count)
        {
            return;
        }

        var item = _items[index];
        while (true)
        {
            int child = (2 * index) + 1;
            if (child >= _items.Count)
            {
                break;
            }

            if (child + 1 < _items.Count && _items[child + 1].DeadlineTicks < _items[child].DeadlineTicks)
            {
                child++;
            }

            if (item.DeadlineTicks <= _items[child].DeadlineTicks)
            {
                break;
            }

            Place(_items[child], index);
            index = child;
        }

        Place(item, index);
    }

    private void Place(T item, int index)
    {
        _items[index] = item;
        item.HeapIndex = index;
    }
}
