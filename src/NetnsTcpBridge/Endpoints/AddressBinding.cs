using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Endpoints;

/// <summary>Binds a listening socket of either kind (TCP, UDP) to its address, with raw system calls.</summary>
internal static class AddressBinding
{
    /// <summary>
    /// Sets IPV6_V6ONLY when <paramref name="dualStack"/> says (IPv6 only; null keeps the kernel's
    /// default), then binds. A failure is one line naming <paramref name="where"/> and what to do;
    /// <paramref name="addressInUseHint"/> says who may hold the address.
    /// </summary>
    public static unsafe void Bind(FileDescriptor socket, EndPoint endpoint, string where, bool? dualStack, string addressInUseHint)
    {
        if (dualStack is { } both && endpoint.AddressFamily == AddressFamily.InterNetworkV6
            && Libc.SetIntSockOpt(socket.Number, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, both ? 0 : 1) != 0)
        {
            throw SyscallException.FromLastError("setsockopt(IPV6_V6ONLY)", where);
        }

        SocketAddress address = endpoint.Serialize();
        Span<byte> bytes = stackalloc byte[address.Size];
        address.Buffer.Span[..address.Size].CopyTo(bytes);
        fixed (byte* pointer = bytes)
        {
            if (Libc.Bind(socket.Number, pointer, (uint)bytes.Length) != 0)
            {
                var error = SyscallException.FromLastError("bind", where);
                string hint = error.Errno switch
                {
                    Errno.EADDRINUSE => $"; {addressInUseHint}",
                    Errno.EADDRNOTAVAIL => "; no interface in the listen netns has this address (is lo up?)",
                    Errno.EACCES => "; ports below 1024 need root or CAP_NET_BIND_SERVICE",
                    _ => string.Empty,
                };
                throw new BridgeException($"cannot listen on {where}: {error.Reason}{hint}", error);
            }
        }
    }
}
