using System.Runtime.InteropServices;

namespace NetnsTcpBridge.Parts;

/// <summary>Signals PosixSignal has no name for; PosixSignalRegistration takes raw Linux numbers too.</summary>
internal static class Signals
{
    /// <summary>SIGUSR1 on Linux: write the counters to the log.</summary>
    public const PosixSignal SIGUSR1 = (PosixSignal)10;
}
