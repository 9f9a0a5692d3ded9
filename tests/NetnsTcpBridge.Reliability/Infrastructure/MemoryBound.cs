using System.Globalization;

namespace NetnsTcpBridge.Reliability.Infrastructure;

/// <summary>
/// Memory bounds for the bridge's two garbage-collected processes. Between collections their
/// heaps grow by up to the GC's gen0 budget before they level off, and .NET sizes that budget from
/// the CPU's last-level cache: with a 32 MiB L3 (where the bounds were measured) each part levelled
/// off about 15-21 MiB above its start. On a machine with a bigger L3 the same bound is scaled up
/// in proportion, so that a larger budget is not taken for a leak.
/// </summary>
public static class MemoryBound
{
    private const long ReferenceCacheKiB = 32 * 1024;

    private static readonly Lazy<long> CacheKiB = new(ReadLastLevelCacheKiB);

    /// <summary>The L3 size of CPU 0 in KiB (sysfs), or the reference 32 MiB when unknown.</summary>
    public static long LastLevelCacheKiB => CacheKiB.Value;

    /// <summary><paramref name="kib"/> measured with a 32 MiB L3, scaled to this machine's (never below).</summary>
    public static long Scaled(long kib) => kib * Math.Max(ReferenceCacheKiB, LastLevelCacheKiB) / ReferenceCacheKiB;

    private static long ReadLastLevelCacheKiB()
    {
        long largest = 0;
        try
        {
            foreach (string index in Directory.EnumerateDirectories("/sys/devices/system/cpu/cpu0/cache", "index*"))
            {
                string size = File.ReadAllText(Path.Combine(index, "size")).Trim();
                long multiplier = size.EndsWith('M') ? 1024 : 1;
                if (long.TryParse(size.TrimEnd('K', 'M'), NumberStyles.None, CultureInfo.InvariantCulture, out long value))
                {
                    largest = Math.Max(largest, value * multiplier);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No cache information: use the reference size.
        }

        return largest > 0 ? largest : ReferenceCacheKiB;
    }
}
