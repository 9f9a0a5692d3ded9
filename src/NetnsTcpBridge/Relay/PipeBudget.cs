using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// The kernel memory that splice pipes may hold, for the whole connector (--pipe-memory-budget).
/// A pipe lent to a direction is charged its whole capacity: a direction whose reader stalls
/// fills it and keeps it full for as long as the reader waits, so 3,000 clients that never read
/// would hold 3,000 full pipes (3 GiB at the default 1 MiB) of unswappable kernel memory. Past the
/// budget, new pipes get one page: those directions still move, in small steps, and hold at most
/// a page each. Idle pipes kept for reuse hold no pages and are not charged.
/// </summary>
internal sealed class PipeBudget
{
    /// <summary>The capacity of a pipe lent past the budget: one page, the kernel's least.</summary>
    internal const int SmallPipeSize = 4096;

    private readonly long _limit;
    private readonly WarningThrottle _warnings = new(TimeSpan.FromSeconds(10));
    private long _charged;

    public PipeBudget(long limit)
    {
        _limit = limit;
    }

    /// <summary>Bytes of pipe capacity lent out now.</summary>
    public long Charged => Interlocked.Read(ref _charged);

    /// <summary>Charges a full pipe of <paramref name="capacity"/> bytes if the budget has room; false when a small one must do.</summary>
    public bool TryCharge(int capacity)
    {
        if (Interlocked.Add(ref _charged, capacity) <= _limit)
        {
            return true;
        }

        _ = Interlocked.Add(ref _charged, -capacity);
        if (_warnings.Count(out long events))
        {
            Log.Warning($"splice pipes hold their memory budget ({Format(_limit)}, {SettingNames.Of(Setting.PipeMemoryBudget)}): {events} transfer(s) since the last warning got one-page pipes; peers that do not read their data hold the rest");
        }

        return false;
    }

    /// <summary>Charges a pipe lent whatever the budget says (a small one past it).</summary>
    public void Charge(int capacity) => Interlocked.Add(ref _charged, capacity);

    public void Refund(int capacity) => Interlocked.Add(ref _charged, -capacity);

    private static string Format(long bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes} bytes";
}
