using System.Globalization;

// Kernel memory that /proc/PID/smaps does not show: bytes held in a process's pipes, the
// machine's MemAvailable, and the memory cgroup's charge (pipe pages are charged to it).
namespace NetnsTcpBridge.TestSupport;

internal static partial class ProcFs
{
    private const int O_NONBLOCK = 0x800;
    private const uint FIONREAD = 0x541B;

    /// <summary>
    /// The pipes <paramref name="pid"/> holds and the bytes in them: each pipe is opened afresh
    /// through /proc/PID/fd (a reader of the same pipe, which reads nothing) and asked FIONREAD.
    /// </summary>
    public static unsafe (int Pipes, long Bytes) PipeContents(int pid)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? target = ReadLink(fd);
            if (target is null || !target.StartsWith("pipe:", StringComparison.Ordinal) || !seen.Add(target))
            {
                continue;
            }

            int reader = Native.Open(fd, Native.O_RDONLY | O_NONBLOCK | Native.O_CLOEXEC, 0);
            if (reader < 0)
            {
                continue; // closed meanwhile
            }

            int count = 0;
            if (Native.IoctlInt(reader, FIONREAD, &count) == 0)
            {
                bytes += count;
            }

            _ = Native.Close(reader);
        }

        return (seen.Count, bytes);
    }

    /// <summary>MemAvailable of /proc/meminfo, in KiB.</summary>
    public static long MemAvailableKiB()
    {
        foreach (string line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                return long.Parse(line["MemAvailable:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    /// <summary>
    /// Bytes charged to the memory cgroup of <paramref name="pid"/> (memory.current with cgroup v2,
    /// memory.usage_in_bytes with v1); -1 when neither can be read. The cgroup holds more than the
    /// bridge (the test process too), so only its change under a load says something.
    /// </summary>
    public static long CgroupMemoryBytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/cgroup"))
        {
            string[] parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            string? file = parts[1] == "memory" ? $"/sys/fs/cgroup/memory{parts[2]}/memory.usage_in_bytes"
                : parts[0] == "0" && parts[1].Length == 0 ? $"/sys/fs/cgroup{parts[2]}/memory.current"
                : null;
            if (file is not null && File.Exists(file)
                && long.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long bytes))
            {
                return bytes;
            }
        }

        return -1;
    }
}
