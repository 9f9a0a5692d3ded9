using NetnsTcpBridge.Interop;
using NetnsTcpBridge.Logging;

namespace NetnsTcpBridge.Relay;

/// <summary>
/// The one warning for running out of descriptors or memory while taking clients, at most once
/// per 10 s for the whole process: the condition lasts, and a line per failed accept would flood
/// the log exactly when the machine is short of resources.
/// </summary>
internal static class ResourceWarning
{
    private const long IntervalMilliseconds = 10_000;
    private static long s_lastTicks = long.MinValue / 2;

    /// <summary>Warns (unless done within the interval) and says what the caller found: <see cref="ClientTake.OutOfResources"/>.</summary>
    public static ClientTake Report(SyscallException error)
    {
        long now = Environment.TickCount64;
        long last = Interlocked.Read(ref s_lastTicks);
        if (now - last >= IntervalMilliseconds && Interlocked.CompareExchange(ref s_lastTicks, now, last) == last)
        {
            Log.Warning($"cannot take new clients: {error.Call}: {error.Reason}; they wait in the queue until descriptors are free (raise the limit with ulimit -n)");
        }

        return ClientTake.OutOfResources;
    }
}
