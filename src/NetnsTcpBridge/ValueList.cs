using System.Collections;

namespace NetnsTcpBridge;

/// <summary>Makes <see cref="ValueList{T}"/>s.</summary>
public static class ValueList
{
    /// <summary>The items as a value list: the same object when they already are one.</summary>
    public static ValueList<T> Of<T>(IEnumerable<T> items) => items as ValueList<T> ?? new([.. items]);
}

/// <summary>
/// A read-only list equal to another with equal items in the same order. Records that hold their
/// lists as these compare by value, as the rest of their properties do; a plain list or array
/// would be compared as an object.
/// </summary>
public sealed class ValueList<T> : IReadOnlyList<T>, IEquatable<ValueList<T>>
{
    private readonly T[] _items;

    internal ValueList(T[] items) => _items = items;

    public int Count => _items.Length;

    public T this[int index] => _items[index];

    public bool Equals(ValueList<T>? other) => other is not null && _items.AsSpan().SequenceEqual(other._items);

    public override bool Equals(object? obj) => Equals(obj as ValueList<T>);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var item in _items)
        {
            hash.Add(item);
        }

        return hash.ToHashCode();
    }

    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    public override string ToString() => $"[{string.Join(", ", _items)}]";
}
