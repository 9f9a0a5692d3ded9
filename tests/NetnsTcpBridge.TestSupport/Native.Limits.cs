using System.Runtime.InteropServices;

// Descriptor limits and clock ticks, which the reliability suite needs for its measurements.
namespace NetnsTcpBridge.TestSupport;

internal static unsafe partial class Native
{
    public const int RLIMIT_NOFILE = 7;

    public const int SC_CLK_TCK = 2;

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    public static partial int GetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    public static partial int SetRLimit(int resource, RLimit* limit);

    [LibraryImport("libc", EntryPoint = "sysconf", SetLastError = true)]
    public static partial long Sysconf(int name);

    /// <summary>
    /// Raises this process's soft RLIMIT_NOFILE to its hard limit (as the bridge does for itself)
    /// and returns (soft, hard) now in force. Without CAP_SYS_RESOURCE the hard limit cannot rise.
    /// </summary>
    public static (long Soft, long Hard) RaiseDescriptorLimit()
    {
        RLimit limit;
        if (GetRLimit(RLIMIT_NOFILE, &limit) != 0)
        {
            throw new InvalidOperationException($"getrlimit(RLIMIT_NOFILE): {LastError()}");
        }

        if (limit.Current < limit.Maximum)
        {
            limit.Current = limit.Maximum;
            if (SetRLimit(RLIMIT_NOFILE, &limit) != 0)
            {
                throw new InvalidOperationException($"setrlimit(RLIMIT_NOFILE, {limit.Maximum}): {LastError()}");
            }
        }

        return ((long)Math.Min(limit.Current, long.MaxValue), (long)Math.Min(limit.Maximum, long.MaxValue));
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
