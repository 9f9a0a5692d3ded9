using System.Text;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the AF_UNIX socket named by NOTIFY_SOCKET
/// (a path, or an abstract name written with a leading '@'). Does nothing when it is not set.
/// </summary>
public static class ServiceNotifier
{
    private const string Variable = "NOTIFY_SOCKET";

    /// <summary>Sends <paramref name="state"/> (e.g. "READY=1") if a service manager listens; failures are ignored, as sd_notify's are.</summary>
    public static unsafe void Notify(string state)
    {
        string? target = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(target) || target.Length > 107)
        {
            return;
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
            return;
        }

        byte[] message = Encoding.UTF8.GetBytes(state);
        fixed (byte* text = message)
        fixed (byte* name = address)
        {
            _ = Libc.SendTo(fd, text, (nuint)message.Length, Libc.MSG_NOSIGNAL, name, (uint)address.Length);
        }

        _ = Libc.Close(fd);
    }
}
