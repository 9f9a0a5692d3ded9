using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Parts;

/// <summary>The per-process limit on open descriptors (RLIMIT_NOFILE), which bounds how many clients can be relayed at once.</summary>
internal static class DescriptorLimit
{
    /// <summary>
    /// Raises the soft limit to the hard limit, as any server that holds a socket per client should
    /// (the usual soft default, 1024, allows only about 500 relayed connections). Returns the limit now in force.
    /// </summary>
    public static unsafe int RaiseToHardLimit()
    {
        Libc.RLimit limit;
        if (Libc.GetRLimit(Libc.RLIMIT_NOFILE, &limit) != 0)
        {
            return 1024;
        }

        if (limit.Current < limit.Maximum)
        {
            ulong before = limit.Current;
            limit.Current = limit.Maximum;
            if (Libc.SetRLimit(Libc.RLIMIT_NOFILE, &limit) == 0)
            {
                Log.Debug($"descriptor limit (RLIMIT_NOFILE) raised from {before} to {limit.Current}");
            }
            else
            {
                limit.Current = before;
            }
        }

        return (int)Math.Min(limit.Current, int.MaxValue);
    }
}
