using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>What an inherited socket descriptor must be for the setting that named it.</summary>
public enum InheritedSocketRole
{
    /// <summary>A stream socket already listening.</summary>
    Listening,

    /// <summary>A connected stream socket, of a client or to the target.</summary>
    Connected,
}

/// <summary>Takes over socket descriptors inherited from the parent process, checking they are what they claim.</summary>
public static class InheritedSocket
{
    /// <summary>
    /// Checks <paramref name="fd"/> and marks it close-on-exec. From then on the caller owns it.
    /// </summary>
    public static FileDescriptor TakeOver(int fd, InheritedSocketRole role, Setting source)
    {
        string option = SettingNames.Of(source);
        InheritedDescriptor.EnsureOpenAndCloseOnExec(fd, $"{option}");
        if (Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_TYPE, out int type) != 0)
        {
            var error = SyscallException.FromLastError("getsockopt(SO_TYPE)", $"fd {fd}");
            string why = error.Errno == Errno.ENOTSOCK ? "it is not a socket" : error.Reason;
            throw new BridgeException($"{option} {fd}: {why}; pass a TCP socket descriptor", error);
        }

        if (type != Libc.SOCK_STREAM)
        {
            throw new BridgeException($"{option} {fd}: the socket is not a stream (TCP) socket");
        }

        Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_DOMAIN, out int domain);
        if (domain is not (Libc.AF_INET or Libc.AF_INET6 or Libc.AF_UNIX))
        {
            throw new BridgeException($"{option} {fd}: the socket is of address family {domain}, expected IPv4, IPv6 or UNIX");
        }

        Libc.GetIntSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN, out int listening);
        if (role == InheritedSocketRole.Listening && listening == 0)
        {
            throw new BridgeException($"{option} {fd}: the socket is not listening; pass a socket after listen(2), or use {SettingNames.Of(Setting.PreacceptedSocket)} for a connected one");
        }

        if (role == InheritedSocketRole.Connected)
        {
            if (listening != 0)
            {
                throw new BridgeException($"{option} {fd}: the socket is listening, not connected; use {SettingNames.Of(Setting.ListenSocket)} for a listening socket");
            }

            EnsureConnected(fd, option);
        }

        return new FileDescriptor(fd);
    }

    private static unsafe void EnsureConnected(int fd, string option)
    {
        byte* address = stackalloc byte[SocketAddressFamily.StorageBytes];
        uint length = SocketAddressFamily.StorageBytes;
        if (Libc.GetPeerName(fd, address, &length) != 0)
        {
            var error = SyscallException.FromLastError("getpeername", $"fd {fd}");
            throw new BridgeException($"{option} {fd}: the socket is not connected ({error.Reason})", error);
        }
    }
}
