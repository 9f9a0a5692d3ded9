using NetnsTcpBridge.Interop;

namespace NetnsTcpBridge.Relay.Udp;

/// <summary>
/// A flow's identity: the listening socket a client's datagrams came in on, and the client's
/// address and port (with an IPv6 scope). A value compared field by field, so looking one up
/// allocates nothing.
/// </summary>
internal readonly record struct UdpFlowKey(int Listener, ulong High, ulong Low, uint FamilyAndPort, uint Scope)
{
    /// <summary>The key of a datagram from the sockaddr_in or sockaddr_in6 at <paramref name="address"/>.</summary>
    public static unsafe UdpFlowKey From(int listener, byte* address)
    {
        ushort family = *(ushort*)address;
        uint familyAndPort = ((uint)family << 16) | *(ushort*)(address + 2);
        return family == Libc.AF_INET6
            ? new UdpFlowKey(listener, *(ulong*)(address + 8), *(ulong*)(address + 16), familyAndPort, *(uint*)(address + 24))
            : new UdpFlowKey(listener, 0, *(uint*)(address + 4), familyAndPort, 0);
    }
}
