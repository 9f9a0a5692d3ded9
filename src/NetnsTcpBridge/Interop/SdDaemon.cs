namespace NetnsTcpBridge.Interop;

/// <summary>Constants of sd-daemon.h, which this program follows without linking libsystemd.</summary>
internal static class SdDaemon
{
    /// <summary>The first descriptor a service manager passes (sd_listen_fds(3)).</summary>
    internal const int SD_LISTEN_FDS_START = 3;
}
