using System.Text;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by NOTIFY_SOCKET
/// (a path, or an abstract name written with a leading '@'). Does nothing when it is not set.
/// </summary>
/// <remarks>
/// An abstract name belongs to the network namespace the bridge was started in, and the serving
/// listener lives in the listen namespace: so the socket is connected once, at start
/// (<see cref="Connect"/>), and the serving listener sends on that socket (<see cref="Use"/>).
/// </remarks>
public static class ServiceNotifier
{
    private const string Variable = "NOTIFY_SOCKET";

    private static int s_connected = -1;

    /// <summary>A datagram socket connected to NOTIFY_SOCKET, owned by the caller; -1 when it is not set or cannot be reached.</summary>
    public static unsafe int Connect()
    {
        string? target = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(target) || target.Length >= Libc.UNIX_PATH_MAX)
        {
            return -1;
        }

        // struct sockaddr_un: sa_family_t (2 bytes), then the path; abstract names start with NUL.
        byte[] address = new byte[2 + Encoding.UTF8.GetByteCount(target)];
        address[0] = Libc.AF_UNIX;
        Encoding.UTF8.GetBytes(target, address.AsSpan(2));
        if (address[2] == (byte)'@')
        {
            address[2] = 0;
        }

        int fd = Libc.Socket(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            return -1;
        }

        fixed (byte* name = address)
        {
            if (Libc.Connect(fd, name, (uint)address.Length) != 0)
            {
                _ = Libc.Close(fd);
                return -1;
            }
        }

        return fd;
    }

    /// <summary>From now on every message goes to <paramref name="connected"/> (from <see cref="Connect"/>, or -1 for none), which this class owns.</summary>
    public static void Use(int connected) => s_connected = connected;

    /// <summary>Sends <paramref name="state"/> (e.g. "READY=1") if a service manager listens; failures are ignored, as sd_notify's are.</summary>
    public static unsafe void Notify(string state)
    {
        if (s_connected < 0)
        {
            return;
        }

        byte[] message = Encoding.UTF8.GetBytes(state);
        fixed (byte* text = message)
        {
            _ = Libc.Send(s_connected, text, (nuint)message.Length, Libc.MSG_NOSIGNAL);
        }
    }
}
