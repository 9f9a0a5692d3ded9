using System.Runtime.InteropServices;

namespace NetnsTcpBridge.IntegrationTests.Infrastructure;

/// <summary>Socket ioctls the close-semantics tests read (Linux values).</summary>
internal static unsafe partial class Native
{
    /// <summary>Bytes in the receive queue (FIONREAD); with SO_OOBINLINE the urgent byte included.</summary>
    public const uint SIOCINQ = 0x541B;

    /// <summary>Bytes in the send queue not yet acknowledged by the peer.</summary>
    public const uint SIOCOUTQ = 0x5411;

    /// <summary>Non-zero when the read position is at the urgent mark.</summary>
    public const uint SIOCATMARK = 0x8905;

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int IoctlInt(int fd, nuint request, int* value);
}
