using System.Globalization;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Systemd;

/// <summary>
/// sd_listen_fds(3) without libsystemd: the sockets a service manager (systemd, or
/// systemd-socket-activate) passed from descriptor 3 on, with LISTEN_FDS and LISTEN_PID.
/// </summary>
public static class SocketActivation
{
    /// <summary>The first passed descriptor.</summary>
    public const int FirstDescriptor = SdDaemon.SD_LISTEN_FDS_START;

    /// <summary>
    /// How many sockets were passed to this very process (LISTEN_PID must be ours, or they were
    /// meant for another process in the chain). The variables are removed so that the connector
    /// part, started later with this environment, does not take them for its own.
    /// </summary>
    public static int TakePassedCount()
    {
        string? pidText = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? countText = Environment.GetEnvironmentVariable("LISTEN_FDS");
        foreach (string name in new[] { "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES" })
        {
            Environment.SetEnvironmentVariable(name, null);
        }

        return int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid == Libc.GetPid()
            && int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            ? count
            : 0;
    }

    /// <summary>True when the passed socket listens (Accept=no), false when it is one connection (Accept=yes).</summary>
    public static bool IsListening(int fd) =>
        Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN, out int listening) == 0 && listening != 0;
}
