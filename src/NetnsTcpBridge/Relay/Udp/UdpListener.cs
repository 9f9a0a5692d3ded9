using System.Net;
using System.Net.Sockets;
using NetnsTcpBridge.Endpoints;
using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// One UDP route as the relay serves it: the bound socket from the listen netns, and the target
/// its flows connect to, serialized once.
/// </summary>
internal sealed class UdpListener : IDisposable
{
    /// <param name="socket">The bound UDP socket handed over for the route; owned by this listener from now on.</param>
    public UdpListener(FileDescriptor socket, RelayRoute route)
    {
        Socket = socket;
        Route = route;

        // A host name that resolved to several addresses: UDP cannot tell a dead address from a
        // quiet one, so the first is used and the others are not tried.
        Target = route.Targets[0];
        var serialized = Target.Serialize();
        TargetAddress = serialized.Buffer[..serialized.Size].ToArray();
        TargetFamily = SocketAddressFamily.ToNative(Target.AddressFamily);
        TargetName = UdpAddress.Format(Target);
        var local = SocketNames.LocalEndPoint(socket.Number);
        IsWildcard = local is not null && (local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any));
        if (IsWildcard)
        {
            AskForDestinationAddresses(local!);
        }
    }

    public FileDescriptor Socket { get; }

    public RelayRoute Route { get; }

    public EndPoint Target { get; }

    /// <summary>The target's sockaddr, for connect.</summary>
    public byte[] TargetAddress { get; }

    public int TargetFamily { get; }

    public string TargetName { get; }

    /// <summary>
    /// Bound to 0.0.0.0 or [::]: the kernel says with each datagram which address it was sent to
    /// (IP_PKTINFO), and each reply names that address as its source, so that the client sees the
    /// reply come from where it sent (a connected client socket would drop it otherwise).
    /// </summary>
    public bool IsWildcard { get; }

    public void Dispose() => Socket.Dispose();

    private void AskForDestinationAddresses(IPEndPoint local)
    {
        int fd = Socket.Number;
        if (local.AddressFamily == AddressFamily.InterNetworkV6
            && Libc.SetIntSockOpt(fd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVPKTINFO, 1) != 0)
        {
            throw SyscallException.FromLastError("setsockopt(IPV6_RECVPKTINFO)", UdpAddress.Format(local));
        }

        // On an IPv6 socket this one covers the IPv4 clients of a dual-stack [::]; where the
        // socket is IPv6 only, the kernel accepts it and never uses it.
        if (Libc.SetIntSockOpt(fd, Libc.SOL_IP, Libc.IP_PKTINFO, 1) != 0 && local.AddressFamily == AddressFamily.InterNetwork)
        {
            throw SyscallException.FromLastError("setsockopt(IP_PKTINFO)", UdpAddress.Format(local));
        }
    }
}
