using System.Globalization;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// How many connections ended for each <see cref="CloseReason"/>: an immutable value compared by
/// its counts. The default value counts 0 for every reason, so a sum can start from it.
/// </summary>
/// <remarks>Made per snapshot and per scrape (never per connection), so its small array costs nothing on the relay's path.</remarks>
public readonly struct EndingCounts : IEquatable<EndingCounts>
{
    /// <summary>One count per reason, indexed by the reason; null for the default value (all 0).</summary>
    private readonly long[]? _counts;

    private EndingCounts(long[] counts)
    {
        _counts = counts;
    }

    public long this[CloseReason reason] => _counts is null ? 0 : _counts[(int)reason];

    /// <summary>All endings, whatever their reason.</summary>
    public long Total => _counts?.Sum() ?? 0;

    public static bool operator ==(EndingCounts left, EndingCounts right) => left.Equals(right);

    public static bool operator !=(EndingCounts left, EndingCounts right) => !left.Equals(right);

    /// <summary>Every reason's count, read from <paramref name="count"/>.</summary>
    public static EndingCounts From(Func<CloseReason, long> count)
    {
        long[] counts = new long[CloseReasons.All.Count];
        foreach (var reason in CloseReasons.All)
        {
            counts[(int)reason] = count(reason);
        }

        return new EndingCounts(counts);
    }

    /// <summary>The given counts; every reason not named counts 0 (a reason named twice counts the sum).</summary>
    public static EndingCounts Of(params ReadOnlySpan<(CloseReason Reason, long Count)> counts)
    {
        long[] values = new long[CloseReasons.All.Count];
        foreach (var (reason, count) in counts)
        {
            values[(int)reason] += count;
        }

        return new EndingCounts(values);
    }

    /// <summary>Reason by reason, the sum of both.</summary>
    public EndingCounts Add(EndingCounts other)
    {
        var self = this;
        return From(reason => self[reason] + other[reason]);
    }

    public bool Equals(EndingCounts other)
    {
        foreach (var reason in CloseReasons.All)
        {
            if (this[reason] != other[reason])
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is EndingCounts other && Equals(other);

    public override int GetHashCode()
    {
        var hash = default(HashCode);
        foreach (var reason in CloseReasons.All)
        {
            hash.Add(this[reason]);
        }

        return hash.ToHashCode();
    }

    /// <summary>The reasons that count more than 0, e.g. <c>fin_both_ways 2, connect_refused 1</c> (for test messages).</summary>
    public override string ToString()
    {
        var self = this;
        var counted = CloseReasons.All.Where(reason => self[reason] != 0).Select(reason => string.Create(CultureInfo.InvariantCulture, $"{CloseReasons.Name(reason)} {self[reason]}"));
        return string.Join(", ", counted) is { Length: > 0 } text ? text : "none";
    }
}
