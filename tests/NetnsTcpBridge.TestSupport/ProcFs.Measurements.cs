using System.Globalization;

// The measurements the reliability suite takes of the bridge's processes (CPU, memory, threads,
// pipes); ProcFs.cs holds what every suite reads.
namespace NetnsTcpBridge.TestSupport;

internal static partial class ProcFs
{
    private static readonly Lazy<long> ClockTicksPerSecond = new(() =>
    {
        long ticks = Native.Sysconf(Native.SC_CLK_TCK);
        return ticks > 0 ? ticks : 100;
    });

    /// <summary>CPU time <paramref name="pid"/> has used, user plus system (utime + stime of /proc/PID/stat).</summary>
    public static TimeSpan CpuTime(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");

        // After "pid (comm) ", fields start at 3 (state); utime is field 14, stime field 15.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        long ticks = long.Parse(fields[14 - 3], CultureInfo.InvariantCulture) + long.Parse(fields[15 - 3], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond.Value);
    }

    /// <summary>Proportional set size in KiB (the "Pss:" line of /proc/PID/smaps_rollup).</summary>
    public static long PssKiB(int pid) => RollupField(pid, "Pss:");

    /// <summary>Resident set size in KiB (the "Rss:" line of /proc/PID/smaps_rollup).</summary>
    public static long RssKiB(int pid) => RollupField(pid, "Rss:");

    /// <summary>How many threads <paramref name="pid"/> runs.</summary>
    public static int ThreadCount(int pid) => Directory.EnumerateDirectories($"/proc/{pid}/task").Count();

    /// <summary>How many of its descriptors are pipes (the splice buffers of the connector).</summary>
    public static int PipeCount(int pid) => Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
        .Count(fd => ReadLink(fd)?.StartsWith("pipe:", StringComparison.Ordinal) == true);

    /// <summary>
    /// Processes whose main thread lives in the network namespace <paramref name="identity"/>
    /// (<c>net:[INODE]</c>). A test's own threads only visit namespaces, so none of them counts.
    /// </summary>
    public static IReadOnlyList<int> ProcessesInNamespace(string identity)
    {
        var found = new List<int>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && ReadLink($"{directory}/ns/net") == identity && !HasEnded(pid))
            {
                found.Add(pid);
            }
        }

        return found;
    }

    private static long RollupField(int pid, string name)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith(name, StringComparison.Ordinal))
            {
                return long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/smaps_rollup has no {name} line");
    }
}
