using System.Globalization;

namespace NetnsTcpBridge.TestSupport;

/// <summary>What /proc says about a process: its children, its descriptors, whether it still runs.</summary>
internal static partial class ProcFs
{
    /// <summary>
    /// Children of <paramref name="pid"/>. A child is listed under the thread that started it (or
    /// under the thread that inherited it), so every thread's <c>children</c> file is read.
    /// </summary>
    public static IReadOnlyList<int> Children(int pid)
    {
        var children = new SortedSet<int>();
        try
        {
            foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                try
                {
                    foreach (string field in File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                    {
                        children.Add(int.Parse(field, CultureInfo.InvariantCulture));
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The thread ended meanwhile.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process is gone.
        }

        return [.. children];
    }

    /// <summary>Each thread of <paramref name="pid"/>, by thread ID: its name and its blocked-signal mask (SigBlk).</summary>
    public static Dictionary<int, (string Name, ulong Blocked)> ThreadSignalMasks(int pid)
    {
        var threads = new Dictionary<int, (string, ulong)>();
        foreach (string task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                string name = File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n');
                string blocked = File.ReadAllLines(Path.Combine(task, "status")).Single(line => line.StartsWith("SigBlk:", StringComparison.Ordinal))["SigBlk:".Length..].Trim();
                threads[int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture)] = (name, ulong.Parse(blocked, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The thread ended meanwhile.
            }
        }

        return threads;
    }

    /// <summary>How many descriptors <paramref name="pid"/> has open now.</summary>
    public static int DescriptorCount(int pid) => Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();

    /// <summary>
    /// Polls the descriptor count of <paramref name="pid"/> until it is at most <paramref name="target"/>
    /// and the same twice in a row, or 15 s have passed; returns the last count.
    /// </summary>
    public static Task<int> SettledDescriptorCountAsync(int pid, int target) => DescriptorCountOnceAsync(pid, target, sameFor: 2);

    /// <summary>
    /// The descriptor count of <paramref name="pid"/> once it has not changed for a second, for a
    /// baseline: a part that has just started may still be opening what it keeps for good (the
    /// serving listener's runtime starts after its exec), which a loaded machine can draw out.
    /// </summary>
    public static Task<int> SteadyDescriptorCountAsync(int pid) => DescriptorCountOnceAsync(pid, int.MaxValue, sameFor: 10);

    private static async Task<int> DescriptorCountOnceAsync(int pid, int target, int sameFor)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        int previous = -1;
        int same = 0;
        while (true)
        {
            int count = DescriptorCount(pid);
            same = count == previous ? same + 1 : 1;
            if ((count <= target && same >= sameFor) || DateTime.UtcNow > deadline)
            {
                return count;
            }

            previous = count;
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary>What its descriptors point to, for failure messages.</summary>
    public static string DescribeDescriptors(int pid)
    {
        try
        {
            return string.Join(", ", Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
                .Select(fd => $"{Path.GetFileName(fd)}->{ReadLink(fd) ?? "?"}"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"(cannot list: {e.Message})";
        }
    }

    /// <summary>True when the process no longer runs: gone from /proc, or a zombie waiting to be reaped.</summary>
    public static bool HasEnded(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }

        // "pid (comm) S ppid ...": comm may hold spaces and parentheses, the state follows the last ')'.
        int close = stat.LastIndexOf(')');
        char state = close >= 0 && close + 2 < stat.Length ? stat[close + 2] : '?';
        return state is 'Z' or 'X';
    }

    /// <summary>Polls until <paramref name="pid"/> has ended; false if it still runs after <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitUntilEndedAsync(int pid, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!HasEnded(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>The text of a symbolic link such as <c>/proc/PID/ns/net</c> (<c>net:[4026531840]</c>); null if unreadable.</summary>
    public static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The command line of a process, for messages.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(gone)";
        }
    }
}
